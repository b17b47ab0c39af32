using LogBus.Broker.Groups;
using LogBus.Broker.Storage;

namespace LogBus.Broker;

/// <summary>
/// Settings of a <see cref="LogBusBroker"/>: where it listens, where its data lives, topic defaults
/// and the per-connection bounds of the Kafka protocol server.
/// </summary>
public sealed class LogBusBrokerOptions
{
    /// <summary>The address to listen on (an IP address or <c>localhost</c>).</summary>
    /// <remarks>Defaults to <c>127.0.0.1</c>.</remarks>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The TCP port to listen on; 0 picks a free port (see <see cref="LogBusBroker.Port"/>).</summary>
    /// <remarks>Defaults to 9092.</remarks>
    public int Port { get; set; } = 9092;

    /// <summary>Host name advertised to clients in Metadata responses; null advertises the listen address.</summary>
    /// <remarks>Defaults to null. Set it when listening on 0.0.0.0 or behind NAT.</remarks>
    public string? AdvertisedHost { get; set; }

    /// <summary>The data directory holding topics, partition logs and producer state.</summary>
    /// <remarks>Defaults to <c>./data</c>.</remarks>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>This broker's node id (<c>node.id</c>).</summary>
    /// <remarks>Defaults to 0.</remarks>
    public int NodeId { get; set; }

    /// <summary>Whether a Metadata request for an unknown topic creates it (<c>auto.create.topics.enable</c>).</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Partitions of auto-created topics and of CreateTopics requests that leave the count to the broker (<c>num.partitions</c>).</summary>
    /// <remarks>Defaults to 1.</remarks>
    public int DefaultPartitions { get; set; } = 1;

    /// <summary>Log settings of topics created without their own configuration.</summary>
    /// <remarks>Defaults to <see cref="LogConfig.Default"/> (no forced fsync, like Kafka).</remarks>
    public LogConfig DefaultLogConfig { get; set; } = LogConfig.Default;

    /// <summary>Largest accepted request frame (<c>socket.request.max.bytes</c>); a connection sending a larger one is closed.</summary>
    /// <remarks>Defaults to 100 MiB.</remarks>
    public int MaxRequestSize { get; set; } = 100 * 1024 * 1024;

    /// <summary>Requests one connection may have in flight (read, not yet answered) before the broker stops reading from it.</summary>
    /// <remarks>Defaults to 256.</remarks>
    public int MaxInFlightRequestsPerConnection { get; set; } = 256;

    /// <summary>Request bytes one connection may have in flight before the broker stops reading from it (one request of any allowed size is always admitted).</summary>
    /// <remarks>Defaults to 64 MiB.</remarks>
    public int MaxInFlightBytesPerConnection { get; set; } = 64 * 1024 * 1024;

    /// <summary>Simultaneous client connections; further connections are closed at once.</summary>
    /// <remarks>Defaults to 10000.</remarks>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>How long <see cref="LogBusBroker.StopAsync"/> lets connections finish their in-flight requests before closing them.</summary>
    /// <remarks>Defaults to 5 seconds.</remarks>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often changed producer state (idempotent producer sequences) is snapshotted to disk.</summary>
    /// <remarks>Defaults to 1 minute. Snapshots bound the log tail replayed after an unclean shutdown; they are always written at a clean shutdown.</remarks>
    public TimeSpan ProducerStateSnapshotInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Settings of the group coordinator (consumer groups and committed offsets).</summary>
    /// <remarks>Defaults to the defaults of <see cref="GroupCoordinatorOptions"/>.</remarks>
    public GroupCoordinatorOptions Groups { get; set; } = new();

    /// <summary>Settings of the transaction coordinator (transactional producers, <c>__transaction_state</c>).</summary>
    /// <remarks>Defaults to <see cref="Transactions.TransactionCoordinatorOptions"/>'s defaults.</remarks>
    public Transactions.TransactionCoordinatorOptions Transactions { get; set; } = new();

    /// <summary>Clock for storage decisions and producer state.</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The metadata quorum voters (<c>--controller-quorum</c>, e.g. <c>1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194</c>).
    /// When set the broker runs in cluster mode: it must be one of the voters (combined controller and
    /// broker, like KRaft's combined mode), metadata lives in the replicated metadata log and partitions
    /// are replicated. Null runs the single-node broker.
    /// </summary>
    /// <remarks>Defaults to null (single node).</remarks>
    public string? ControllerQuorum { get; set; }

    /// <summary>The controller listener (<c>--controller-listen</c>, <c>host:port</c>); null uses this node's endpoint from <see cref="ControllerQuorum"/>.</summary>
    /// <remarks>Defaults to null.</remarks>
    public string? ControllerListen { get; set; }

    /// <summary>Replicas of auto-created topics and of CreateTopics requests that leave it to the broker (<c>default.replication.factor</c>).</summary>
    /// <remarks>Defaults to 1.</remarks>
    public int DefaultReplicationFactor { get; set; } = 1;

    /// <summary>The ISR size below which acks=all produce requests are refused with NOT_ENOUGH_REPLICAS (<c>min.insync.replicas</c>).</summary>
    /// <remarks>Defaults to 1.</remarks>
    public int MinInSyncReplicas { get; set; } = 1;

    /// <summary>A follower that has not caught up with the leader for this long leaves the ISR (<c>replica.lag.time.max.ms</c>).</summary>
    /// <remarks>Defaults to 10 seconds (Kafka: 30 s).</remarks>
    public TimeSpan ReplicaLagTimeMax { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a cluster broker heartbeats to the active controller (<c>broker.heartbeat.interval.ms</c>).</summary>
    /// <remarks>Defaults to 500 ms.</remarks>
    public TimeSpan BrokerHeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A cluster broker without heartbeats for this long is fenced: its leaderships move and it leaves ISRs (<c>broker.session.timeout.ms</c>).</summary>
    /// <remarks>Defaults to 3 seconds (Kafka: 9 s).</remarks>
    public TimeSpan BrokerSessionTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ListenAddress))
        {
            throw new ArgumentException("ListenAddress is required.");
        }
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port must be 0-65535 (was {Port}).");
        }
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory is required.");
        }
        if (NodeId < 0)
        {
            throw new ArgumentException($"NodeId must be non-negative (was {NodeId}).");
        }
        if (DefaultPartitions < 1)
        {
            throw new ArgumentException($"DefaultPartitions must be at least 1 (was {DefaultPartitions}).");
        }
        if (MaxRequestSize < 1024)
        {
            throw new ArgumentException($"MaxRequestSize must be at least 1024 (was {MaxRequestSize}).");
        }
        if (MaxInFlightRequestsPerConnection < 1 || MaxInFlightBytesPerConnection < 1 || MaxConnections < 1)
        {
            throw new ArgumentException("MaxInFlightRequestsPerConnection, MaxInFlightBytesPerConnection and MaxConnections must be positive.");
        }
        ArgumentNullException.ThrowIfNull(DefaultLogConfig);
        DefaultLogConfig.Validate();
        if (DefaultReplicationFactor < 1 || MinInSyncReplicas < 1)
        {
            throw new ArgumentException("DefaultReplicationFactor and MinInSyncReplicas must be at least 1.");
        }
        if (ControllerQuorum is not null)
        {
            var voters = Cluster.QuorumVoter.ParseList(ControllerQuorum);
            if (!voters.Any(v => v.Id == NodeId))
            {
                throw new ArgumentException($"NodeId {NodeId} is not one of the controller quorum voters ({ControllerQuorum}).");
            }
        }
    }
}
