using System.Diagnostics;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Transport.Kafka.Client;

public sealed partial class KafkaProducer
{
    private readonly Dictionary<int, int> _inFlightPerNode = [];
    private long _statRequests;
    private long _statBatches;
    private long _statLatencyTicks;

    /// <summary>Diagnostics: produce requests answered, batches they carried, mean round trip.</summary>
    internal (long Requests, long Batches, TimeSpan MeanLatency) Statistics
    {
        get
        {
            var requests = Volatile.Read(ref _statRequests);
            var ticks = Volatile.Read(ref _statLatencyTicks);
            return (requests, Volatile.Read(ref _statBatches), requests == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency / requests));
        }
    }

    /// <summary>
    /// The sender: one loop that drains ready batches (full, lingered, flushing or closing) into one
    /// produce request per broker node, keeping at most <see cref="KafkaProducerOptions.MaxInFlightRequestsPerConnection"/>
    /// requests in flight per node and one batch in flight per partition. Sleeps until the next linger
    /// or retry deadline, or until woken by a new batch, a response or a flush.
    /// </summary>
    private async Task SendLoopAsync()
    {
        var lingerTicks = (long)(_options.Linger.TotalSeconds * Stopwatch.Frequency);
        var deliveryTicks = (long)(_options.DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        var requests = new Dictionary<int, (List<ProducerBatch> Batches, int Bytes)>();
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            var next = long.MaxValue;
            var metadata = _cluster.Metadata;
            var refresh = false;
            var pending = false;
            var drain = Volatile.Read(ref _flushing) > 0 || _closing;
            foreach (var acc in Volatile.Read(ref _accumulators))
            {
                ProducerBatch batch;
                int leader;
                lock (acc.Gate)
                {
                    if (acc.Open is { } open)
                    {
                        pending = true;
                        var due = open.Created + lingerTicks;
                        if (drain || due <= now)
                        {
                            var topic = _topics[acc.Topic];
                            CloseOpenBatch(topic, acc);
                        }
                        else
                        {
                            next = Math.Min(next, due);
                        }
                    }
                    if (acc.Ready.Count == 0)
                    {
                        continue;
                    }
                    pending = true;
                    if (acc.InFlight)
                    {
                        continue;
                    }
                    var head = acc.Ready.Peek();
                    if (now - head.Created > deliveryTicks)
                    {
                        acc.Ready.Dequeue();
                        FailBatch(head, new KafkaException(ErrorCode.RequestTimedOut, $"Record batch for {acc.Topic}[{acc.Partition}] was not acknowledged within the delivery timeout of {_options.DeliveryTimeout} ({head.Attempts} attempt(s))"));
                        next = now;
                        continue;
                    }
                    if (acc.RetryAt > now)
                    {
                        next = Math.Min(next, acc.RetryAt);
                        continue;
                    }
                    leader = metadata.LeaderOf(acc.Topic, acc.Partition);
                    if (leader < 0)
                    {
                        refresh = true;
                        acc.RetryAt = now + (long)(_options.RetryBackoff.TotalSeconds * Stopwatch.Frequency);
                        next = Math.Min(next, acc.RetryAt);
                        continue;
                    }
                    if (!requests.TryGetValue(leader, out var request))
                    {
                        lock (_inFlightPerNode)
                        {
                            if (_inFlightPerNode.GetValueOrDefault(leader) >= _options.MaxInFlightRequestsPerConnection)
                            {
                                continue; // woken when one of that node's responses arrives
                            }
                        }
                        request = ([], 0);
                    }
                    batch = head;
                    if (request.Batches.Count > 0 && request.Bytes + batch.Built.Length > _options.MaxRequestSize)
                    {
                        next = now; // the request is full; this batch goes in the next round
                        continue;
                    }
                    acc.InFlight = true;
                    request.Batches.Add(batch);
                    requests[leader] = (request.Batches, request.Bytes + batch.Built.Length);
                }
            }
            foreach (var (node, request) in requests)
            {
                lock (_inFlightPerNode)
                {
                    _inFlightPerNode[node] = _inFlightPerNode.GetValueOrDefault(node) + 1;
                }
                _ = SendRequestAsync(node, request.Batches);
            }
            requests.Clear();
            if (refresh)
            {
                _ = RefreshMetadataAsync();
            }
            if (_stopping.IsCancellationRequested && !pending)
            {
                return;
            }
            var wait = next == long.MaxValue ? Timeout.InfiniteTimeSpan
                : TimeSpan.FromTicks(Math.Max(0, next - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            if (wait != TimeSpan.Zero)
            {
                await _wake.WaitAsync(wait, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task SendRequestAsync(int node, List<ProducerBatch> batches)
    {
        try
        {
            var request = new ProduceRequest { TransactionalId = _options.TransactionalId, Acks = (short)_options.Acks, TimeoutMs = (int)_options.RequestTimeout.TotalMilliseconds };
            foreach (var batch in batches)
            {
                var topic = request.Topics.Find(t => t.Name == batch.Owner.Topic);
                if (topic is null)
                {
                    topic = new ProduceRequest.Topic { Name = batch.Owner.Topic };
                    request.Topics.Add(topic);
                }
                topic.Partitions.Add(new ProduceRequest.Partition { Index = batch.Owner.Partition, Records = RecordSet.FromMemory(batch.Built) });
                batch.Attempts++;
            }
            var connection = await _cluster.GetConnectionAsync(node, CancellationToken.None).ConfigureAwait(false);
            if (_options.Acks == Acks.None)
            {
                await connection.SendOneWayAsync(request, CancellationToken.None).ConfigureAwait(false);
                foreach (var batch in batches)
                {
                    Succeed(batch, -1);
                }
                return;
            }
            var sentAt = Stopwatch.GetTimestamp();
            var response = await connection.SendAsync<ProduceResponse>(request, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _statRequests);
            Interlocked.Add(ref _statLatencyTicks, Stopwatch.GetTimestamp() - sentAt);
            Interlocked.Add(ref _statBatches, batches.Count);
            foreach (var batch in batches)
            {
                var result = FindResult(response, batch.Owner.Topic, batch.Owner.Partition);
                if (result is null)
                {
                    Retry(batch, ErrorCode.UnknownServerError, "the produce response did not mention the partition", retriable: false);
                }
                else if (result.ErrorCode is ErrorCode.None or ErrorCode.DuplicateSequenceNumber)
                {
                    Succeed(batch, result.BaseOffset);
                }
                else
                {
                    Retry(batch, result.ErrorCode, "the broker refused the batch", KafkaErrors.IsRetriable(result.ErrorCode));
                }
            }
        }
        catch (Exception ex)
        {
            // Connection errors and timeouts: the batches may or may not have been written; re-send the
            // same bytes (with idempotence the broker drops what it already has).
            var code = ex is KafkaException k ? k.ErrorCode : ErrorCode.UnknownServerError;
            var retriable = ex is KafkaConnectionException || (ex is KafkaException ke && ke.IsRetriable);
            foreach (var batch in batches)
            {
                Retry(batch, code, ex.Message, retriable);
            }
            _ = RefreshMetadataAsync();
        }
        finally
        {
            lock (_inFlightPerNode)
            {
                _inFlightPerNode[node]--;
            }
            _wake.Set();
        }
    }

    private static ProduceResponse.Partition? FindResult(ProduceResponse response, string topic, int partition)
    {
        foreach (var t in response.Responses)
        {
            if (t.Name == topic)
            {
                foreach (var p in t.Partitions)
                {
                    if (p.Index == partition)
                    {
                        return p;
                    }
                }
            }
        }
        return null;
    }

    private void Succeed(ProducerBatch batch, long baseOffset)
    {
        var acc = batch.Owner;
        lock (acc.Gate)
        {
            Debug.Assert(acc.InFlight && ReferenceEquals(acc.Ready.Peek(), batch), "the in-flight batch is the head");
            acc.Ready.Dequeue();
            acc.InFlight = false;
            acc.RetryAt = 0;
        }
        batch.Complete(baseOffset);
        Release(batch);
    }

    private void Retry(ProducerBatch batch, ErrorCode code, string reason, bool retriable)
    {
        var acc = batch.Owner;
        var now = Stopwatch.GetTimestamp();
        var expired = now - batch.Created > (long)(_options.DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        if (retriable && !expired && !_stopping.IsCancellationRequested)
        {
            var backoff = TimeSpan.FromTicks(Math.Min(_options.RetryBackoff.Ticks << Math.Min(batch.Attempts - 1, 10), TimeSpan.FromSeconds(1).Ticks));
            lock (acc.Gate)
            {
                acc.InFlight = false;
                acc.RetryAt = now + (long)(backoff.TotalSeconds * Stopwatch.Frequency);
            }
            KafkaLog.ProduceRetry(_logger, acc.Topic, acc.Partition, $"{code.KafkaName()}: {reason}", batch.Attempts, backoff);
            if (KafkaErrors.NeedsMetadataRefresh(code))
            {
                _ = RefreshMetadataAsync();
            }
            return;
        }
        lock (acc.Gate)
        {
            acc.Ready.Dequeue();
            acc.InFlight = false;
        }
        KafkaLog.ProduceFailed(_logger, acc.Topic, acc.Partition, $"{code.KafkaName()}: {reason}");
        FailBatch(batch, code == ErrorCode.MessageTooLarge
            ? new KafkaException(code, $"The broker refused a record batch for {acc.Topic}[{acc.Partition}] as too large")
            : new KafkaException(code, $"Producing to {acc.Topic}[{acc.Partition}] failed after {batch.Attempts} attempt(s): {reason}"));
    }

    private void FailBatch(ProducerBatch batch, Exception error)
    {
        OnTransactionalBatchFailed(error);
        batch.Fail(error);
        Release(batch);
    }

    private void Release(ProducerBatch batch)
    {
        Interlocked.Add(ref _bufferedBytes, -batch.ReservedBytes);
        if (_builders.Count < 64)
        {
            _builders.Enqueue(batch.Builder);
        }
        else
        {
            batch.Builder.Dispose();
        }
        var waiters = Volatile.Read(ref _bufferWaiters);
        if (waiters > 0)
        {
            _bufferSpace.Release(waiters);
        }
    }

    private async Task RefreshMetadataAsync()
    {
        try
        {
            await _cluster.RefreshAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            // The next failure asks again.
        }
        finally
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Sends what is buffered (waiting up to the delivery timeout), stops the sender and closes the
    /// connections the producer owns. Records still unsent then fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_closing)
        {
            return;
        }
        _closing = true;
        try
        {
            using var timeout = new CancellationTokenSource(_options.DeliveryTimeout);
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _wake.Set();
        // Fail what could not be sent; the sender then finds nothing pending and exits.
        foreach (var acc in Volatile.Read(ref _accumulators))
        {
            List<ProducerBatch> abandoned = [];
            lock (acc.Gate)
            {
                if (acc.Open is { } open)
                {
                    open.Close();
                    abandoned.Add(open);
                    acc.Open = null;
                }
                if (!acc.InFlight)
                {
                    abandoned.AddRange(acc.Ready);
                    acc.Ready.Clear();
                }
            }
            foreach (var batch in abandoned)
            {
                FailBatch(batch, new ObjectDisposedException(nameof(KafkaProducer), "The producer was closed before the record was acknowledged."));
            }
        }
        _wake.Set();
        try
        {
            await _sender.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        try
        {
            await _initialized.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (_ownsCluster)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
