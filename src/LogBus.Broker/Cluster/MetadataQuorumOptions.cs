using LogBus.Broker.Cluster.Raft;

namespace LogBus.Broker.Cluster;

/// <summary>Settings of a <see cref="MetadataQuorum"/> member.</summary>
internal sealed class MetadataQuorumOptions
{
    /// <summary>This node's id (must be one of <see cref="Voters"/>).</summary>
    public required int NodeId { get; init; }

    /// <summary>The voters (<c>--controller-quorum</c>).</summary>
    public required IReadOnlyList<QuorumVoter> Voters { get; init; }

    /// <summary>Where the metadata log lives (<c>&lt;data-dir&gt;/__cluster_metadata</c>).</summary>
    public required string Directory { get; init; }

    /// <summary>Address the controller listener binds (the voter's host when null).</summary>
    public string? ListenAddress { get; init; }

    /// <summary>Port the controller listener binds (the voter's port when null).</summary>
    public int? ListenPort { get; init; }

    /// <summary>Raft timing.</summary>
    /// <remarks>Defaults to election timeouts of 1-2 s and 100 ms heartbeats.</remarks>
    public RaftOptions Raft { get; init; } = new();

    /// <summary>How often a broker tells the active controller it is alive (<c>broker.heartbeat.interval.ms</c>).</summary>
    /// <remarks>Defaults to 500 ms (Kafka: 2 s).</remarks>
    public TimeSpan BrokerHeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A broker silent this long is fenced and loses leaderships (<c>broker.session.timeout.ms</c>).</summary>
    /// <remarks>Defaults to 3 s (Kafka: 9 s), so failover in tests and small clusters is quick.</remarks>
    public TimeSpan BrokerSessionTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Metadata log entries after which the applied image is snapshotted and the log compacted.</summary>
    /// <remarks>Defaults to 1000.</remarks>
    public int SnapshotEveryEntries { get; init; } = 1000;
}
