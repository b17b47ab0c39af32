namespace LogBus.Broker.Storage;

/// <summary>Settings of the <see cref="LogManager"/>: where the data lives and how background work runs.</summary>
public sealed class StorageOptions
{
    /// <summary>The data directory (<c>log.dirs</c>): one sub-directory per partition, <c>&lt;topic&gt;-&lt;partition&gt;</c>.</summary>
    /// <remarks>Required. Created when missing.</remarks>
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>Settings of topics created without their own <see cref="LogConfig"/>.</summary>
    /// <remarks>Defaults to <see cref="LogConfig.Default"/>.</remarks>
    public LogConfig DefaultLogConfig { get; set; } = LogConfig.Default;

    /// <summary>Partitions opened (and recovered) in parallel at startup.</summary>
    /// <remarks>Defaults to <see cref="Environment.ProcessorCount"/>.</remarks>
    public int RecoveryThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>How often the background loop deletes segments past retention (<c>log.retention.check.interval.ms</c>).</summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often flushed offsets (recovery points) are checkpointed (<c>log.flush.offset.checkpoint.interval.ms</c>).</summary>
    /// <remarks>Defaults to 1 minute. A stale recovery point only makes recovery scan more.</remarks>
    public TimeSpan RecoveryPointCheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Clock for segment age and retention decisions.</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Fault injection for tests; null in production.</summary>
    internal StorageFaults? Faults { get; set; }
}
