namespace LogBus.Transport.Kafka.Client;

/// <summary>How many replicas must have a record before a produce request succeeds (Kafka's <c>acks</c>).</summary>
public enum Acks : short
{
    /// <summary>Fire and forget: the broker sends no response; delivery results carry offset -1.</summary>
    None = 0,

    /// <summary>The partition leader wrote the record.</summary>
    Leader = 1,

    /// <summary>Every in-sync replica wrote the record (required by idempotence).</summary>
    All = -1,
}
