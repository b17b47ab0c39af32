namespace LogBus.Broker.Storage;

/// <summary>What a topic does with old data (Kafka's <c>cleanup.policy</c>).</summary>
public enum CleanupPolicy
{
    /// <summary>Whole old segments are deleted by time (<see cref="LogConfig.RetentionMs"/>) and size (<see cref="LogConfig.RetentionBytes"/>).</summary>
    Delete = 0,

    /// <summary>
    /// Keep the latest record per key. Stored durably so clients see the policy they asked for, but this
    /// broker does not compact yet: a compacted topic keeps all its data (no time or size deletion).
    /// </summary>
    Compact = 1,
}
