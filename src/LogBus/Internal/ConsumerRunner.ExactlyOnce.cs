using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Exactly-once mode (<see cref="ConsumeMode.ExactlyOnce"/>): per fetched run of records of one
/// partition, one broker transaction holds everything the handlers publish (and dead letters) plus the
/// consumed offset. A failure aborts it, seeks the partition back to the run's first record and retries
/// after the retry policy's delay; a record that keeps failing is dead-lettered inside the transaction.
/// </summary>
/// <remarks>
/// <para>One transactional producer per assigned partition, with the stable id
/// <c>{group}.{topic}.{partition}</c>: the member that gets the partition next fences the previous
/// owner's producer and aborts its open transaction before it reads the committed offset (classic
/// Kafka exactly-once; TxnOffsetCommit carries no group generation in our API versions).</para>
/// <para>Handlers run on the fetch loop, one at a time (the transaction is sequential); revocation runs
/// between transactions, so no transaction is open then.</para>
/// </remarks>
internal sealed partial class ConsumerRunner
{
    private readonly Dictionary<TopicPartition, ITransactionalProducer> _transactional = [];
    private readonly Dictionary<TopicPartition, (long Offset, int Attempt)> _failedAttempts = [];

    private bool IsExactlyOnce => _registration.Options.Mode == ConsumeMode.ExactlyOnce;

    private ITransactionalTransport RequireTransactionalTransport() =>
        _runtime.Transport as ITransactionalTransport
        ?? throw new InvalidOperationException(
            $"Consumer {Name} (group {GroupId}) uses ConsumeMode.ExactlyOnce, which needs broker transactions, but the '{_runtime.Transport.Name}' transport has none. Use the Kafka transport (UsingKafka / UsingEmbeddedBroker) or ConsumeMode.AtLeastOnce.");

    private async Task ExactlyOnceFetchLoopAsync(ITransportConsumer consumer, CancellationToken stopping)
    {
        var seekedBack = new HashSet<TopicPartition>();
        while (!stopping.IsCancellationRequested)
        {
            _phase = "fetching";
            var records = await consumer.FetchAsync(FetchWait, stopping).ConfigureAwait(false);
            seekedBack.Clear();
            var start = 0;
            while (start < records.Count)
            {
                var first = records[start];
                var end = start + 1;
                while (end < records.Count && records[end].Partition == first.Partition && string.Equals(records[end].Topic, first.Topic, StringComparison.Ordinal))
                {
                    end++;
                }
                var partition = new TopicPartition(first.Topic, first.Partition);
                if (!seekedBack.Contains(partition) && _transactional.TryGetValue(partition, out var producer)
                    && !await RunTransactionAsync(consumer, producer, partition, records, start, end, stopping).ConfigureAwait(false))
                {
                    seekedBack.Add(partition); // later records of it in this fetch come again after the seek
                }
                start = end;
            }
        }
    }

    /// <summary>One transaction over records[start..end) of one partition; false when it was aborted (the partition was sought back).</summary>
    private async Task<bool> RunTransactionAsync(ITransportConsumer consumer, ITransactionalProducer producer, TopicPartition partition, IReadOnlyList<LogRecord> records, int start, int end, CancellationToken stopping)
    {
        _phase = $"exactly-once transaction on {partition}";
        var index = start;
        var attempt = 1;
        try
        {
            producer.BeginTransaction();
            ExactlyOnceContext.Set(producer);
            try
            {
                for (; index < end; index++)
                {
                    var record = records[index];
                    attempt = _failedAttempts.TryGetValue(partition, out var failed) && failed.Offset == record.Offset ? failed.Attempt : 1;
                    if (!await _dispatcher.HandleAsync(record, attempt, singleAttempt: true, stopping).ConfigureAwait(false))
                    {
                        throw new OperationCanceledException(stopping); // stopping: abort, the records come again
                    }
                }
            }
            finally
            {
                ExactlyOnceContext.Set(null);
            }
            var last = records[end - 1];
            await producer.SendOffsetsToTransactionAsync([new TopicPartitionOffset(partition.Topic, partition.Partition, last.Offset + 1)], GroupId, stopping).ConfigureAwait(false);
            await producer.CommitTransactionAsync(stopping).ConfigureAwait(false);
            _failedAttempts.Remove(partition);
            return true;
        }
        catch (Exception ex)
        {
            var handlerFailed = index < end && ex is not OperationCanceledException;
            if (handlerFailed)
            {
                _failedAttempts[partition] = (records[index].Offset, attempt + 1);
            }
            // An abort that fails (fenced: another member owns the partition now) restarts the member.
            await producer.AbortTransactionAsync(CancellationToken.None).ConfigureAwait(false);
            consumer.Seek(new TopicPartitionOffset(partition.Topic, partition.Partition, records[start].Offset));
            if (stopping.IsCancellationRequested)
            {
                return false;
            }
            if (!handlerFailed)
            {
                throw; // commit or offset failure: restart the member (fresh producers, positions from the committed offsets)
            }
            var delay = _registration.Options.Retry.GetDelay(attempt);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            return false;
        }
    }

    private async Task AssignTransactionalAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        var transport = RequireTransactionalTransport();
        foreach (var partition in partitions)
        {
            if (!_transactional.ContainsKey(partition))
            {
                // Fences the partition's previous owner and aborts its open transaction before this member
                // reads the committed offset (positions are set after the listener returns).
                _transactional[partition] = await transport.CreateTransactionalProducerAsync($"{GroupId}.{partition.Topic}.{partition.Partition}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RevokeTransactionalAsync(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions.ToList())
        {
            if (_transactional.Remove(partition, out var producer))
            {
                _failedAttempts.Remove(partition);
                await producer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
