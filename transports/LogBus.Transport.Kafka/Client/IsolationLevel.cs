namespace LogBus.Transport.Kafka.Client;

/// <summary>Which records of transactional producers a consumer sees (Kafka's <c>isolation.level</c>).</summary>
public enum IsolationLevel : sbyte
{
    /// <summary>Every record, including those of open and aborted transactions.</summary>
    ReadUncommitted = 0,

    /// <summary>Only records of committed transactions (and non-transactional ones), up to the last stable offset.</summary>
    ReadCommitted = 1,
}
