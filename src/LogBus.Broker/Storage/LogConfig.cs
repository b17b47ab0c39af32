namespace LogBus.Broker.Storage;

/// <summary>
/// Per-topic log settings (Kafka's topic-level configs). Immutable; persisted with the topic by the
/// <see cref="LogManager"/> and applied to every partition of the topic.
/// </summary>
/// <remarks>
/// Durability model: by default nothing forces an fsync (like Kafka, the OS writes dirty pages back and
/// replication provides durability); an acknowledged batch is in the OS page cache. Set
/// <see cref="FlushMessages"/> / <see cref="FlushMs"/> for background fsyncs, or
/// <see cref="FlushOnEveryAppend"/> for appends that complete only after their bytes are on disk
/// (concurrent appenders of one partition share one fsync: group commit).
/// </remarks>
public sealed record LogConfig
{
    /// <summary>The defaults described on each property.</summary>
    public static LogConfig Default { get; } = new();

    /// <summary>Size at which the active segment is rolled (<c>segment.bytes</c>).</summary>
    /// <remarks>Defaults to 1 GiB. Minimum 1024 bytes; a batch set larger than this gets a segment of its own.</remarks>
    public int SegmentBytes { get; init; } = 1 << 30;

    /// <summary>Age after which a non-empty active segment is rolled on the next append (<c>segment.ms</c>).</summary>
    /// <remarks>Defaults to 7 days. The age is measured from the first append to the segment.</remarks>
    public long SegmentMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary>Segments whose newest timestamp is older than this are deleted (<c>retention.ms</c>); -1 keeps data forever.</summary>
    /// <remarks>Defaults to 7 days. The active segment is never deleted.</remarks>
    public long RetentionMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary>Oldest segments are deleted while the partition stays at least this large without them (<c>retention.bytes</c>); -1 means no size limit.</summary>
    /// <remarks>Defaults to -1.</remarks>
    public long RetentionBytes { get; init; } = -1;

    /// <summary>A background fsync starts once this many records are unflushed (<c>flush.messages</c>).</summary>
    /// <remarks>Defaults to <see cref="long.MaxValue"/>: no forced fsync, the OS decides.</remarks>
    public long FlushMessages { get; init; } = long.MaxValue;

    /// <summary>A background fsync starts once unflushed data is this old (<c>flush.ms</c>).</summary>
    /// <remarks>Defaults to <see cref="long.MaxValue"/>: no forced fsync, the OS decides.</remarks>
    public long FlushMs { get; init; } = long.MaxValue;

    /// <summary>
    /// When true an append completes only after its bytes (and everything before them) are fsynced;
    /// appenders that arrive while an fsync runs share the next one (group commit).
    /// </summary>
    /// <remarks>Defaults to false.</remarks>
    public bool FlushOnEveryAppend { get; init; }

    /// <summary>Bytes appended between two sparse offset-index entries (<c>index.interval.bytes</c>).</summary>
    /// <remarks>Defaults to 4096.</remarks>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary>Largest accepted record batch, header included (<c>max.message.bytes</c>).</summary>
    /// <remarks>Defaults to 1 MiB (1048576 bytes).</remarks>
    public int MaxBatchBytes { get; init; } = 1 << 20;

    /// <summary>Delete old segments, or keep them (compaction is not implemented).</summary>
    /// <remarks>Defaults to <see cref="CleanupPolicy.Delete"/>.</remarks>
    public CleanupPolicy CleanupPolicy { get; init; } = CleanupPolicy.Delete;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (SegmentBytes < 1024)
        {
            throw new ArgumentException($"SegmentBytes must be at least 1024 (was {SegmentBytes}).");
        }
        if (SegmentMs < 1)
        {
            throw new ArgumentException($"SegmentMs must be positive (was {SegmentMs}).");
        }
        if (RetentionMs < -1 || RetentionMs == 0)
        {
            throw new ArgumentException($"RetentionMs must be positive or -1 (was {RetentionMs}).");
        }
        if (RetentionBytes < -1)
        {
            throw new ArgumentException($"RetentionBytes must be non-negative or -1 (was {RetentionBytes}).");
        }
        if (FlushMessages < 1 || FlushMs < 0)
        {
            throw new ArgumentException("FlushMessages must be at least 1 and FlushMs non-negative.");
        }
        if (IndexIntervalBytes < 0)
        {
            throw new ArgumentException($"IndexIntervalBytes must be non-negative (was {IndexIntervalBytes}).");
        }
        if (MaxBatchBytes < LogBus.Protocol.Records.RecordBatchHeader.Size)
        {
            throw new ArgumentException($"MaxBatchBytes must be at least {LogBus.Protocol.Records.RecordBatchHeader.Size} (was {MaxBatchBytes}).");
        }
    }
}
