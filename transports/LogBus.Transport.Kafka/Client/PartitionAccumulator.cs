namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// The producer's queue of batches for one partition: the open batch records are appended to, then
/// closed batches in sequence order. The head of <see cref="Ready"/> may be in flight; only one batch
/// per partition is in flight at a time, which keeps order and sequence numbers trivially correct
/// across retries while different partitions still pipeline on one connection.
/// </summary>
/// <remarks>Every field is guarded by <see cref="Gate"/>.</remarks>
internal sealed class PartitionAccumulator(string topic, int partition)
{
    public Lock Gate { get; } = new();

    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    /// <summary>The batch records are appended to, or null.</summary>
    public ProducerBatch? Open { get; set; }

    /// <summary>Closed batches in order; the head is the one in flight when <see cref="InFlight"/>.</summary>
    public Queue<ProducerBatch> Ready { get; } = new();

    public bool InFlight { get; set; }

    /// <summary>Stopwatch timestamp before which the head must not be re-sent (retry backoff).</summary>
    public long RetryAt { get; set; }

    /// <summary>Sequence number of the next record (idempotence); assigned when a batch opens.</summary>
    public int NextSequence { get; set; }
}
