using System.Collections.Concurrent;
using System.Diagnostics;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;
using LogBus.Transport.Kafka.Internal;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A Kafka producer on the managed protocol codec: records are appended to per-partition batches
/// (linger, batch size), a background sender pipelines produce requests per broker, retries
/// retriable errors in order, and with idempotence the broker drops duplicates of retried batches.
/// </summary>
/// <remarks>
/// <para>Partitioning: an explicit partition wins; keyed records use Java-compatible murmur2
/// (<c>toPositive(murmur2(key)) % partitions</c>), so the same key lands on the same partition as with
/// Kafka's Java client; keyless records stick to one partition until its batch closes.</para>
/// <para>Thread-safe. <see cref="ProduceAsync"/> copies the record into the batch before returning
/// and completes when the broker acknowledged it (per <see cref="KafkaProducerOptions.Acks"/>) or
/// when it failed for good. Memory is bounded by <see cref="KafkaProducerOptions.BufferMemory"/>: a
/// full buffer makes callers wait.</para>
/// </remarks>
public sealed partial class KafkaProducer : ITransactionalProducer
{
    [ThreadStatic]
    private static RecordHeaderData[]? t_headers;

    private readonly KafkaCluster _cluster;
    private readonly bool _ownsCluster;
    private readonly KafkaProducerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ProducerTopic> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordBatchBuilder> _builders = new();
    private readonly AsyncSignal _wake = new();
    private readonly SemaphoreSlim _bufferSpace = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    private readonly Task _initialized;
    private PartitionAccumulator[] _accumulators = [];
    private readonly Queue<SlowProduce> _slowQueue = new();
    private bool _slowWorkerRunning;
    private int _slowPending;
    private long _clockTick = long.MinValue;
    private long _clockMilliseconds;
    private long _bufferedBytes;
    private int _bufferWaiters;
    private int _flushing;
    private volatile bool _ready;
    private volatile bool _closing;
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private bool _idempotent;

    /// <summary>Creates a producer with its own connections to the cluster.</summary>
    public KafkaProducer(KafkaProducerOptions options, ILoggerFactory? loggerFactory = null)
        : this(new KafkaCluster(options ?? throw new ArgumentNullException(nameof(options)), loggerFactory), options, ownsCluster: true)
    {
    }

    internal KafkaProducer(KafkaCluster cluster, KafkaProducerOptions options, bool ownsCluster)
    {
        options.Validate();
        _cluster = cluster;
        _options = options;
        _ownsCluster = ownsCluster;
        _logger = cluster.Logger;
        _idempotent = options.EnableIdempotence;
        _initialized = InitializeAsync();
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>The idempotent producer id, or -1 when idempotence is off or not yet initialised.</summary>
    public long ProducerId => Volatile.Read(ref _producerId);

    /// <summary>Completes once the producer can send (its producer id is assigned when idempotent).</summary>
    public Task WhenReady => _initialized;

    /// <summary>
    /// Appends a record to its partition's batch and completes with the partition and offset once the
    /// broker acknowledged it. The key, value and headers are copied before this method returns.
    /// </summary>
    public ValueTask<DeliveryResult> ProduceAsync(OutgoingRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record.Topic);
        if (_closing)
        {
            return ValueTask.FromException<DeliveryResult>(new ObjectDisposedException(nameof(KafkaProducer), "The producer is closed."));
        }
        // Once one record takes the slow path, later ones queue behind it: call order is kept.
        if (!_ready || Volatile.Read(ref _slowPending) > 0 || !_topics.TryGetValue(record.Topic, out var topic))
        {
            return EnqueueSlow(Copy(record), cancellationToken);
        }
        var headers = ToHeaderData(record.Headers);
        var size = RecordBatchBuilder.RecordSize(0, 0, record.Key?.Length ?? -1, record.Value.Length, headers);
        if (size + RecordBatchHeader.Size > _options.MaxRequestSize)
        {
            return ValueTask.FromException<DeliveryResult>(TooLarge(record.Topic, size));
        }
        if (!TryPartition(topic, record, out var partition, out var error))
        {
            return ValueTask.FromException<DeliveryResult>(error!);
        }
        if (IsTransactional && !IsAddedToTransaction(record.Topic, partition))
        {
            return EnqueueSlow(Copy(record), cancellationToken); // AddPartitionsToTxn first
        }
        if (Interlocked.Add(ref _bufferedBytes, size) > _options.BufferMemory)
        {
            Interlocked.Add(ref _bufferedBytes, -size);
            return EnqueueSlow(Copy(record), cancellationToken);
        }
        return Append(topic, partition, record, headers, size);
    }

    /// <summary>Sends every buffered record now (ignoring linger) and waits until each completed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _flushing);
        try
        {
            var pending = new List<Task>();
            foreach (var acc in Volatile.Read(ref _accumulators))
            {
                lock (acc.Gate)
                {
                    if (acc.Open is { } open)
                    {
                        pending.Add(open.WhenDone());
                    }
                    foreach (var batch in acc.Ready)
                    {
                        pending.Add(batch.WhenDone());
                    }
                }
            }
            _wake.Set();
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _flushing);
        }
    }

    /// <inheritdoc />
    ValueTask ITransportProducer.FlushAsync(CancellationToken cancellationToken) => new(FlushAsync(cancellationToken));

    private ValueTask<DeliveryResult> EnqueueSlow(OutgoingRecord record, CancellationToken cancellationToken)
    {
        var operation = new SlowProduce(record, cancellationToken);
        lock (_slowQueue)
        {
            _slowQueue.Enqueue(operation);
            Interlocked.Increment(ref _slowPending);
            if (!_slowWorkerRunning)
            {
                _slowWorkerRunning = true;
                _ = Task.Run(SlowWorkerAsync, CancellationToken.None);
            }
        }
        return new ValueTask<DeliveryResult>(operation.Task);
    }

    /// <summary>
    /// Appends queued slow-path records one at a time, in call order: waits for the producer id,
    /// the topic's metadata and buffer space. Fast-path calls wait behind the queue until it is empty.
    /// </summary>
    private async Task SlowWorkerAsync()
    {
        while (true)
        {
            SlowProduce operation;
            lock (_slowQueue)
            {
                if (!_slowQueue.TryDequeue(out operation!))
                {
                    _slowWorkerRunning = false;
                    return;
                }
            }
            try
            {
                var result = await AppendSlowAsync(operation.Record, operation.CancellationToken).ConfigureAwait(false);
                Interlocked.Decrement(ref _slowPending);
                operation.Forward(result);
            }
            catch (Exception ex)
            {
                Interlocked.Decrement(ref _slowPending);
                operation.TrySetException(ex);
            }
        }
    }

    private async ValueTask<ValueTask<DeliveryResult>> AppendSlowAsync(OutgoingRecord record, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_closing, this);
        await _initialized.WaitAsync(cancellationToken).ConfigureAwait(false);
        var topic = await GetTopicAsync(record.Topic, cancellationToken).ConfigureAwait(false);
        var size = RecordSizeOf(record);
        if (size + RecordBatchHeader.Size > _options.MaxRequestSize)
        {
            throw TooLarge(record.Topic, size);
        }
        if (!TryPartition(topic, record, out var partition, out var error))
        {
            throw error!;
        }
        if (IsTransactional)
        {
            await EnsurePartitionAddedAsync(record.Topic, partition, cancellationToken).ConfigureAwait(false);
        }
        while (Interlocked.Add(ref _bufferedBytes, size) > _options.BufferMemory)
        {
            Interlocked.Add(ref _bufferedBytes, -size);
            Interlocked.Increment(ref _bufferWaiters);
            try
            {
                // Woken whenever a batch completes; re-check, bounded by the delivery timeout.
                if (!await _bufferSpace.WaitAsync(_options.DeliveryTimeout, cancellationToken).ConfigureAwait(false))
                {
                    throw new KafkaException(ErrorCode.RequestTimedOut, $"The producer's buffer ({_options.BufferMemory} bytes) stayed full for {_options.DeliveryTimeout}");
                }
            }
            finally
            {
                Interlocked.Decrement(ref _bufferWaiters);
            }
            ObjectDisposedException.ThrowIf(_closing, this);
        }
        return Append(topic, partition, record, size);
    }

    private static int RecordSizeOf(in OutgoingRecord record) =>
        RecordBatchBuilder.RecordSize(0, 0, record.Key?.Length ?? -1, record.Value.Length, ToHeaderData(record.Headers));

    // Converts the headers on the current thread (the scratch array is thread-static).
    private ValueTask<DeliveryResult> Append(ProducerTopic topic, int partition, in OutgoingRecord record, long size) =>
        Append(topic, partition, record, ToHeaderData(record.Headers), size);

    private ValueTask<DeliveryResult> Append(ProducerTopic topic, int partition, in OutgoingRecord record, ReadOnlySpan<RecordHeaderData> headers, long size)
    {
        var acc = topic.Partitions[partition];
        var timestamp = NowMilliseconds();
        var wake = false;
        ProducerBatch batch;
        int index;
        lock (acc.Gate)
        {
            batch = acc.Open ?? OpenBatch(acc, ref wake);
            if (!batch.Builder.TryAppendNullable(timestamp, record.Key, record.Value, headers, _options.BatchSize))
            {
                CloseOpenBatch(topic, acc);
                batch = OpenBatch(acc, ref wake);
                var appended = batch.Builder.TryAppendNullable(timestamp, record.Key, record.Value, headers, _options.BatchSize);
                Debug.Assert(appended, "an empty batch accepts any record");
            }
            index = batch.Count - 1;
            batch.ReservedBytes += size;
            if (_idempotent)
            {
                acc.NextSequence = acc.NextSequence == int.MaxValue ? 0 : acc.NextSequence + 1;
            }
            if (batch.Builder.SizeInBytes >= _options.BatchSize || batch.Count >= ProducerBatch.MaxRecords)
            {
                CloseOpenBatch(topic, acc);
                wake = true;
            }
        }
        if (wake)
        {
            _wake.Set();
        }
        return new ValueTask<DeliveryResult>(batch, (short)index);
    }

    private ProducerBatch OpenBatch(PartitionAccumulator acc, ref bool wake)
    {
        if (!_builders.TryDequeue(out var builder))
        {
            builder = new RecordBatchBuilder(Math.Min(_options.BatchSize + 1024, 1024 * 1024));
        }
        builder.Reset(
            _options.Compression,
            producerId: _idempotent ? _producerId : -1,
            producerEpoch: _idempotent ? _producerEpoch : (short)-1,
            baseSequence: _idempotent ? acc.NextSequence : -1,
            isTransactional: IsTransactional);
        var batch = new ProducerBatch(acc, builder, Stopwatch.GetTimestamp());
        acc.Open = batch;
        wake = true; // the sender learns the new batch's linger deadline
        return batch;
    }

    private static void CloseOpenBatch(ProducerTopic topic, PartitionAccumulator acc)
    {
        var open = acc.Open!;
        open.Close();
        acc.Ready.Enqueue(open);
        acc.Open = null;
        topic.OnBatchClosed(acc.Partition);
    }

    private static bool TryPartition(ProducerTopic topic, in OutgoingRecord record, out int partition, out Exception? error)
    {
        var count = topic.Partitions.Length;
        error = null;
        if (record.Partition is { } explicitPartition)
        {
            partition = explicitPartition;
            if ((uint)explicitPartition >= (uint)count)
            {
                error = new ArgumentOutOfRangeException(nameof(record), $"Topic '{record.Topic}' has {count} partition(s); partition {explicitPartition} does not exist.");
                return false;
            }
            return true;
        }
        partition = record.Key is { } key ? Murmur2.Partition(key.Span, count) : topic.StickyPartition;
        return true;
    }

    private async ValueTask<ProducerTopic> GetTopicAsync(string name, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.MetadataWait.TotalSeconds * Stopwatch.Frequency);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (_topics.TryGetValue(name, out var known))
            {
                return known;
            }
            var metadata = await _cluster.GetTopicAsync(name, cancellationToken).ConfigureAwait(false);
            if (metadata is not null)
            {
                var created = _topics.GetOrAdd(name, static (n, m) => new ProducerTopic(n, m.Partitions.Length), metadata);
                RegisterAccumulators(created);
                return created;
            }
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist (waited {_options.MetadataWait} for it to appear in the metadata)");
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            await _cluster.RefreshAsync(cancellationToken, [name]).ConfigureAwait(false);
        }
    }

    private void RegisterAccumulators(ProducerTopic topic)
    {
        lock (_topics)
        {
            var current = _accumulators;
            if (current.Any(a => ReferenceEquals(a, topic.Partitions[0])))
            {
                return;
            }
            Volatile.Write(ref _accumulators, [.. current, .. topic.Partitions]);
        }
        _wake.Set();
    }

    private async Task InitializeAsync()
    {
        await Task.Yield();
        if (IsTransactional)
        {
            // Retried until it works or the producer closes; fencing by a newer instance is fatal.
            while (true)
            {
                try
                {
                    await InitTransactionalAsync(_stopping.Token).ConfigureAwait(false);
                    _ready = true;
                    return;
                }
                catch (KafkaTransactionException ex) when (!ex.IsFatal && !_stopping.IsCancellationRequested)
                {
                    _logger.LogWarning("Transactional producer initialisation failed, retrying: {Reason}", ex.Message);
                }
            }
        }
        if (!_idempotent)
        {
            _ready = true;
            return;
        }
        var delay = _options.RetryBackoff;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await _cluster.GetAnyConnectionAsync(_stopping.Token).ConfigureAwait(false);
                if (connection.VersionOf(ApiKey.InitProducerId) < 0)
                {
                    // A broker without idempotence support: produce without it rather than not at all.
                    _logger.LogWarning("Broker {Endpoint} does not support InitProducerId; producing without idempotence", connection.Endpoint);
                    _idempotent = false;
                    _ready = true;
                    return;
                }
                var response = await connection.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 }, _stopping.Token).ConfigureAwait(false);
                if (response.ErrorCode != ErrorCode.None)
                {
                    throw new KafkaException(response.ErrorCode, "InitProducerId failed");
                }
                _producerId = response.ProducerId;
                _producerEpoch = response.ProducerEpoch;
                KafkaLog.ProducerIdAssigned(_logger, _producerId, _producerEpoch);
                _ready = true;
                return;
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex is KafkaConnectionException)
            {
                _logger.LogWarning("Producer id initialisation failed, retrying in {Delay}: {Reason}", delay, ex.Message);
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
        _stopping.Token.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Wall-clock milliseconds for record timestamps, re-read only when the coarse tick count moved
    /// (a few milliseconds at most): on virtual machines without a fast clock source every precise
    /// clock read is a system call, which would cost more than appending the record. Races only ever
    /// yield a value a tick old.
    /// </summary>
    private long NowMilliseconds()
    {
        var tick = Environment.TickCount64;
        if (tick == Volatile.Read(ref _clockTick))
        {
            return Volatile.Read(ref _clockMilliseconds);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Volatile.Write(ref _clockMilliseconds, now);
        Volatile.Write(ref _clockTick, tick);
        return now;
    }

    private static OutgoingRecord Copy(in OutgoingRecord record)
    {
        var headers = record.Headers.AsSpan();
        var copied = headers.Length == 0 ? RecordHeaders.Empty : new RecordHeaders(CopyHeaders(headers));
        // Careful: a null byte[] converts to an empty (non-null) memory; keep null keys null.
        ReadOnlyMemory<byte>? key = record.Key is { } k ? k.ToArray() : (ReadOnlyMemory<byte>?)null;
        return new OutgoingRecord(record.Topic, key, record.Value.ToArray(), copied, record.Partition);
    }

    private static Transport.RecordHeader[] CopyHeaders(ReadOnlySpan<Transport.RecordHeader> headers)
    {
        var copy = new Transport.RecordHeader[headers.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            copy[i] = new Transport.RecordHeader(headers[i].Key, headers[i].Value.ToArray());
        }
        return copy;
    }

    private static ReadOnlySpan<RecordHeaderData> ToHeaderData(RecordHeaders headers)
    {
        var source = headers.AsSpan();
        if (source.Length == 0)
        {
            return default;
        }
        var scratch = t_headers;
        if (scratch is null || scratch.Length < source.Length)
        {
            scratch = t_headers = new RecordHeaderData[Math.Max(16, source.Length)];
        }
        for (var i = 0; i < source.Length; i++)
        {
            scratch[i] = new RecordHeaderData(source[i].Key, source[i].Value);
        }
        return scratch.AsSpan(0, source.Length);
    }

    private KafkaException TooLarge(string topic, long size) =>
        new(ErrorCode.MessageTooLarge, $"A record of {size} bytes for topic '{topic}' exceeds the producer's MaxRequestSize of {_options.MaxRequestSize} bytes");
}
