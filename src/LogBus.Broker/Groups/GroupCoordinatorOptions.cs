namespace LogBus.Broker.Groups;

/// <summary>Settings of the group coordinator (consumer groups and committed offsets).</summary>
public sealed class GroupCoordinatorOptions
{
    /// <summary>Name of the internal topic that stores committed offsets and group metadata.</summary>
    public const string OffsetsTopicName = "__consumer_offsets";

    /// <summary>Partitions of <see cref="OffsetsTopicName"/> when the coordinator creates it.</summary>
    /// <remarks>Defaults to 8. An existing topic keeps its partition count (groups map to partitions by a hash of the group id).</remarks>
    public int OffsetsTopicPartitions { get; set; } = 8;

    /// <summary>
    /// How long committed offsets of a group without members are kept (Kafka's
    /// <c>offsets.retention.minutes</c>): counted from the time the group became empty, or for groups that
    /// never used group management from each offset's commit time.
    /// </summary>
    /// <remarks>Defaults to 7 days.</remarks>
    public TimeSpan OffsetsRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often expired offsets and dead groups are removed.</summary>
    /// <remarks>Defaults to 10 minutes.</remarks>
    public TimeSpan OffsetsRetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long the first rebalance of an empty group waits for more members (Kafka's
    /// <c>group.initial.rebalance.delay.ms</c>); every new member extends it by this much again, up to
    /// the rebalance timeout. Zero disables the delay.
    /// </summary>
    /// <remarks>Defaults to 1 second (Kafka uses 3 seconds).</remarks>
    public TimeSpan InitialRebalanceDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Smallest session timeout a member may ask for; smaller gets INVALID_SESSION_TIMEOUT.</summary>
    /// <remarks>Defaults to 6 seconds (as Kafka).</remarks>
    public TimeSpan MinSessionTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Largest session timeout a member may ask for; larger gets INVALID_SESSION_TIMEOUT.</summary>
    /// <remarks>Defaults to 30 minutes (as Kafka).</remarks>
    public TimeSpan MaxSessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Most members one group may have; more get GROUP_MAX_SIZE_REACHED.</summary>
    /// <remarks>Defaults to 1000.</remarks>
    public int MaxGroupSize { get; set; } = 1000;

    /// <summary>Longest metadata string an offset commit may carry; longer gets OFFSET_METADATA_TOO_LARGE.</summary>
    /// <remarks>Defaults to 4096 characters (as Kafka).</remarks>
    public int OffsetMetadataMaxLength { get; set; } = 4096;

    /// <summary>
    /// An offsets partition is rewritten as a snapshot of its live records (and the older segments are
    /// deleted) once its log holds more than this many bytes and more than
    /// <see cref="OffsetsSnapshotFactor"/> times its live bytes. This keeps <see cref="OffsetsTopicName"/>
    /// bounded although storage never compacts.
    /// </summary>
    /// <remarks>Defaults to 16 MiB.</remarks>
    public long OffsetsSnapshotMinBytes { get; set; } = 16L << 20;

    /// <summary>See <see cref="OffsetsSnapshotMinBytes"/>.</summary>
    /// <remarks>Defaults to 2.</remarks>
    public int OffsetsSnapshotFactor { get; set; } = 2;

    /// <summary>Segment size of <see cref="OffsetsTopicName"/> when the coordinator creates it.</summary>
    /// <remarks>Defaults to 64 MiB.</remarks>
    public int OffsetsSegmentBytes { get; set; } = 64 << 20;

    /// <summary>The clock for timeouts and timestamps (tests pass a manual one).</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (OffsetsTopicPartitions < 1)
        {
            throw new ArgumentException("OffsetsTopicPartitions must be at least 1.");
        }
        if (OffsetsRetention <= TimeSpan.Zero || OffsetsRetentionCheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("OffsetsRetention and OffsetsRetentionCheckInterval must be positive.");
        }
        if (InitialRebalanceDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("InitialRebalanceDelay must not be negative.");
        }
        if (MinSessionTimeout <= TimeSpan.Zero || MaxSessionTimeout < MinSessionTimeout)
        {
            throw new ArgumentException("Session timeouts must satisfy 0 < MinSessionTimeout <= MaxSessionTimeout.");
        }
        if (MaxGroupSize < 1 || OffsetMetadataMaxLength < 0 || OffsetsSnapshotMinBytes < 0 || OffsetsSnapshotFactor < 1)
        {
            throw new ArgumentException("MaxGroupSize, OffsetMetadataMaxLength, OffsetsSnapshotMinBytes and OffsetsSnapshotFactor are out of range.");
        }
        if (OffsetsSegmentBytes < 1024)
        {
            throw new ArgumentException("OffsetsSegmentBytes must be at least 1024.");
        }
    }
}
