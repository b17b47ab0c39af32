namespace LogBus.Broker.Replication;

/// <summary>Partition replication settings of a cluster broker.</summary>
internal sealed class ReplicationOptions
{
    /// <summary>The ISR size below which acks=all produce is refused with NOT_ENOUGH_REPLICAS (<c>min.insync.replicas</c>).</summary>
    public int MinInSyncReplicas { get; init; } = 1;

    /// <summary>A follower not caught up for this long leaves the ISR (<c>replica.lag.time.max.ms</c>).</summary>
    public TimeSpan ReplicaLagTimeMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes a follower fetches per request (<c>replica.fetch.max.bytes</c>).</summary>
    public int FetchMaxBytes { get; init; } = 8 * 1024 * 1024;
}
