namespace LogBus;

/// <summary>How a consumer's handled messages, their publishes and its committed offsets relate.</summary>
public enum ConsumeMode
{
    /// <summary>
    /// Offsets are committed after the handlers succeeded (periodically, on revocation, at shutdown); a
    /// crash redelivers what was not committed, so handlers must be idempotent (or use the inbox).
    /// </summary>
    AtLeastOnce = 0,

    /// <summary>
    /// Broker transactions: per fetched batch of a partition, what the handlers publish and the consumed
    /// offsets commit in one transaction; a failure aborts it and the batch is retried, so each input's
    /// outputs appear exactly once to read_committed readers. Needs a transport that implements
    /// <see cref="Transport.ITransactionalTransport"/> (Kafka); handlers run one at a time per partition
    /// (<see cref="ConsumerOptions.Concurrency"/> is ignored). Side effects outside the log are not covered.
    /// </summary>
    ExactlyOnce = 1,
}
