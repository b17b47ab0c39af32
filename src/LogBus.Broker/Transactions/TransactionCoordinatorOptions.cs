namespace LogBus.Broker.Transactions;

/// <summary>Settings of the transaction coordinator (transactional producers, <c>__transaction_state</c>).</summary>
public sealed class TransactionCoordinatorOptions
{
    /// <summary>Name of the internal topic that stores the coordinator's state.</summary>
    public const string StateTopicName = "__transaction_state";

    /// <summary>Partitions of <see cref="StateTopicName"/> when the coordinator creates it.</summary>
    /// <remarks>Defaults to 4. An existing topic keeps its partition count (transactional ids map to partitions by a hash).</remarks>
    public int StateTopicPartitions { get; set; } = 4;

    /// <summary>Largest transaction timeout a producer may ask for (Kafka's <c>transaction.max.timeout.ms</c>).</summary>
    /// <remarks>Defaults to 15 minutes (as Kafka).</remarks>
    public TimeSpan MaxTransactionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How often open transactions are checked for their timeout (and transactions whose markers could not
    /// be written are retried). A transaction is aborted at most this long after its timeout.
    /// </summary>
    /// <remarks>Defaults to 1 second (Kafka checks every 10 seconds).</remarks>
    public TimeSpan TimeoutCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Segment size of <see cref="StateTopicName"/>.</summary>
    /// <remarks>Defaults to 16 MiB.</remarks>
    public int StateSegmentBytes { get; set; } = 16 << 20;

    /// <summary>The state log is rewritten as a snapshot of its live records when it exceeds this size and <see cref="StateSnapshotFactor"/> × the live bytes.</summary>
    /// <remarks>Defaults to 16 MiB.</remarks>
    public long StateSnapshotMinBytes { get; set; } = 16 << 20;

    /// <summary>See <see cref="StateSnapshotMinBytes"/>.</summary>
    /// <remarks>Defaults to 2.</remarks>
    public int StateSnapshotFactor { get; set; } = 2;

    /// <summary>The clock (tests replace it).</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> for out-of-range settings.</summary>
    public void Validate()
    {
        if (StateTopicPartitions is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(StateTopicPartitions)} must be 1-1000.");
        }
        if (MaxTransactionTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(MaxTransactionTimeout)} must be positive.");
        }
        if (TimeoutCheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(TimeoutCheckInterval)} must be positive.");
        }
        if (StateSegmentBytes < 1024 || StateSnapshotMinBytes < 0 || StateSnapshotFactor < 2)
        {
            throw new ArgumentException("State segment bytes must be at least 1024, snapshot bytes non-negative and the snapshot factor at least 2.");
        }
    }
}
