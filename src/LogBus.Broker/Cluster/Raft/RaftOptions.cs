namespace LogBus.Broker.Cluster.Raft;

/// <summary>Timing and batching of a <see cref="RaftNode"/>. All times are in milliseconds of the node's clock.</summary>
internal sealed class RaftOptions
{
    /// <summary>Shortest election timeout; also how long a follower ignores vote requests after hearing from its leader.</summary>
    /// <remarks>Defaults to 1000 ms (KRaft: 1000 ms).</remarks>
    public long ElectionTimeoutMinMs { get; init; } = 1000;

    /// <summary>Longest election timeout (timeouts are uniformly random in [min, max)).</summary>
    /// <remarks>Defaults to 2000 ms.</remarks>
    public long ElectionTimeoutMaxMs { get; init; } = 2000;

    /// <summary>How often the leader sends appends (heartbeats) to each follower.</summary>
    /// <remarks>Defaults to 100 ms.</remarks>
    public long HeartbeatIntervalMs { get; init; } = 100;

    /// <summary>Most entries in one append message.</summary>
    /// <remarks>Defaults to 256.</remarks>
    public int MaxEntriesPerAppend { get; init; } = 256;
}
