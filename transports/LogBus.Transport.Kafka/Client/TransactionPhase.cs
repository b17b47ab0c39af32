namespace LogBus.Transport.Kafka.Client;

/// <summary>Where a transactional <see cref="KafkaProducer"/> stands (librdkafka's and the Java client's states, simplified).</summary>
internal enum TransactionPhase
{
    /// <summary>Not transactional, or the producer id is not assigned yet.</summary>
    None = 0,
    /// <summary>Initialized; no transaction open.</summary>
    Ready,
    /// <summary>Between BeginTransaction and commit/abort.</summary>
    InTransaction,
    /// <summary>Committing or aborting.</summary>
    Ending,
    /// <summary>A send or offset commit of the open transaction failed: only abort is allowed.</summary>
    AbortableError,
    /// <summary>Fenced by a newer instance (or an unrecoverable error): the producer is unusable.</summary>
    FatalError,
}
