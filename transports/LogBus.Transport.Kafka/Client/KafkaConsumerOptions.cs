namespace LogBus.Transport.Kafka.Client;

/// <summary>Settings of <see cref="KafkaConsumer"/>; names follow Kafka's consumer configuration.</summary>
public sealed class KafkaConsumerOptions : KafkaClientOptions
{
    /// <summary>The consumer group (<c>group.id</c>); required for subscribing and committing, not for manual assignment.</summary>
    /// <remarks>Defaults to null.</remarks>
    public string? GroupId { get; set; }

    /// <summary>Where a partition without a committed offset (or with an out-of-range one) starts.</summary>
    /// <remarks>Defaults to <see cref="LogBus.AutoOffsetReset.Earliest"/>.</remarks>
    public AutoOffsetReset AutoOffsetReset { get; set; } = AutoOffsetReset.Earliest;

    /// <summary>How long the coordinator waits for a heartbeat before it removes the member (<c>session.timeout.ms</c>).</summary>
    /// <remarks>Defaults to 45 seconds.</remarks>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Interval of the background heartbeats (<c>heartbeat.interval.ms</c>); also how fast a member notices a rebalance.</summary>
    /// <remarks>Defaults to 3 seconds.</remarks>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the coordinator waits for every member to rejoin during a rebalance (<c>max.poll.interval.ms</c>).</summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan RebalanceTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Assignment strategies offered to the group, in preference order: <c>range</c>, <c>roundrobin</c>.</summary>
    /// <remarks>Defaults to range, then round-robin.</remarks>
    public IList<string> Assignors { get; } = ["range", "roundrobin"];

    /// <summary>Longest time the broker holds a fetch waiting for data (<c>fetch.max.wait.ms</c>).</summary>
    /// <remarks>Defaults to 500 milliseconds.</remarks>
    public TimeSpan FetchMaxWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Bytes a fetch waits for before the broker answers (<c>fetch.min.bytes</c>).</summary>
    /// <remarks>Defaults to 1.</remarks>
    public int FetchMinBytes { get; set; } = 1;

    /// <summary>Bytes one fetch response may carry (<c>fetch.max.bytes</c>).</summary>
    /// <remarks>Defaults to 50 MiB.</remarks>
    public int FetchMaxBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary>Bytes one fetch may carry per partition (<c>max.partition.fetch.bytes</c>); doubled when a single batch is larger.</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public int MaxPartitionFetchBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Prefetch bound: a partition whose decoded, not yet returned records exceed this many bytes is
    /// not fetched until the application catches up. Bounds memory at roughly this times the number
    /// of assigned partitions (plus one fetch response).
    /// </summary>
    /// <remarks>Defaults to 2 MiB.</remarks>
    public int PrefetchBytesPerPartition { get; set; } = 2 * 1024 * 1024;

    /// <summary>Largest number of records one fetch call returns (<c>max.poll.records</c>).</summary>
    /// <remarks>Defaults to 1,024.</remarks>
    public int MaxPollRecords { get; set; } = 1024;

    /// <summary>Which transactional records are returned (<c>isolation.level</c>).</summary>
    /// <remarks>Defaults to <see cref="IsolationLevel.ReadCommitted"/>, as librdkafka and kafkajs.</remarks>
    public IsolationLevel IsolationLevel { get; set; } = IsolationLevel.ReadCommitted;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SessionTimeout, TimeSpan.Zero, nameof(SessionTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(HeartbeatInterval, SessionTimeout, nameof(HeartbeatInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(FetchMaxWait, TimeSpan.Zero, nameof(FetchMaxWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPartitionFetchBytes, 1024, nameof(MaxPartitionFetchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefetchBytesPerPartition, 1024, nameof(PrefetchBytesPerPartition));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPollRecords, 1, nameof(MaxPollRecords));
        if (Assignors.Count == 0 || Assignors.Any(a => a is not ("range" or "roundrobin")))
        {
            throw new ArgumentException("Assignors must list one or more of: range, roundrobin.", nameof(Assignors));
        }
    }
}
