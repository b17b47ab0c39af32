namespace LogBus.Benchmarks.Peers;

/// <summary>The RabbitMQ queue configurations the broker workload measures.</summary>
internal enum RabbitQueueKind
{
    /// <summary>Stream queue (<c>x-queue-type: stream</c>): an append-only log on disk, always durable, no fsync.</summary>
    Stream,

    /// <summary>Classic queue, durable, persistent messages: confirmed after the message store's fsync.</summary>
    ClassicDurable,

    /// <summary>Classic queue, non-durable, transient messages: kept in memory.</summary>
    ClassicTransient,
}
