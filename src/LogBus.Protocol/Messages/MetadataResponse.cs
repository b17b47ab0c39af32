using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>Metadata (key 3) response, versions 0-8.</summary>
public sealed class MetadataResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Metadata;

    /// <summary>Throttle time in milliseconds (v3+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The brokers of the cluster.</summary>
    public List<Broker> Brokers { get; set; } = [];

    /// <summary>The cluster id, or null (v2+).</summary>
    public string? ClusterId { get; set; }

    /// <summary>The controller's broker id, or -1 (v1+).</summary>
    public int ControllerId { get; set; } = -1;

    /// <summary>The topics.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <summary>Cluster authorized operations bit field (v8+).</summary>
    public int ClusterAuthorizedOperations { get; set; } = int.MinValue;

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Metadata, version);
        if (version >= 3)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteArrayCount(Brokers.Count);
        foreach (var b in Brokers)
        {
            writer.WriteInt32(b.NodeId);
            writer.WriteString(b.Host);
            writer.WriteInt32(b.Port);
            if (version >= 1)
            {
                writer.WriteNullableString(b.Rack);
            }
        }
        if (version >= 2)
        {
            writer.WriteNullableString(ClusterId);
        }
        if (version >= 1)
        {
            writer.WriteInt32(ControllerId);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteInt16((short)t.ErrorCode);
            writer.WriteString(t.Name);
            if (version >= 1)
            {
                writer.WriteBoolean(t.IsInternal);
            }
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt16((short)p.ErrorCode);
                writer.WriteInt32(p.PartitionIndex);
                writer.WriteInt32(p.LeaderId);
                if (version >= 7)
                {
                    writer.WriteInt32(p.LeaderEpoch);
                }
                writer.WriteInt32Array(p.ReplicaNodes);
                writer.WriteInt32Array(p.IsrNodes);
                if (version >= 5)
                {
                    writer.WriteInt32Array(p.OfflineReplicas);
                }
            }
            if (version >= 8)
            {
                writer.WriteInt32(t.TopicAuthorizedOperations);
            }
        }
        if (version >= 8)
        {
            writer.WriteInt32(ClusterAuthorizedOperations);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static MetadataResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Metadata, version);
        var r = new MetadataResponse();
        if (version >= 3)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Brokers = Arrays.Read(ref reader, version, 10, Broker.Read);
        if (version >= 2)
        {
            r.ClusterId = reader.ReadNullableString();
        }
        if (version >= 1)
        {
            r.ControllerId = reader.ReadInt32();
        }
        r.Topics = Arrays.Read(ref reader, version, 8, Topic.Read);
        if (version >= 8)
        {
            r.ClusterAuthorizedOperations = reader.ReadInt32();
        }
        return r;
    }

    /// <summary>A broker of the cluster.</summary>
    public sealed class Broker
    {
        /// <summary>The broker id.</summary>
        public int NodeId { get; set; }

        /// <summary>The host name clients connect to.</summary>
        public string Host { get; set; } = string.Empty;

        /// <summary>The port.</summary>
        public int Port { get; set; }

        /// <summary>The rack, or null (v1+).</summary>
        public string? Rack { get; set; }

        internal static Broker Read(ref KafkaReader reader, short version) => new()
        {
            NodeId = reader.ReadInt32(),
            Host = reader.ReadString(),
            Port = reader.ReadInt32(),
            Rack = version >= 1 ? reader.ReadNullableString() : null,
        };
    }

    /// <summary>Metadata of one topic.</summary>
    public sealed class Topic
    {
        /// <summary>The topic error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>True for internal topics (v1+).</summary>
        public bool IsInternal { get; set; }

        /// <summary>The partitions.</summary>
        public List<Partition> Partitions { get; set; } = [];

        /// <summary>Topic authorized operations bit field (v8+).</summary>
        public int TopicAuthorizedOperations { get; set; } = int.MinValue;

        internal static Topic Read(ref KafkaReader reader, short version)
        {
            var t = new Topic
            {
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                Name = reader.ReadString(),
            };
            if (version >= 1)
            {
                t.IsInternal = reader.ReadBoolean();
            }
            t.Partitions = Arrays.Read(ref reader, version, 18, Partition.Read);
            if (version >= 8)
            {
                t.TopicAuthorizedOperations = reader.ReadInt32();
            }
            return t;
        }
    }

    /// <summary>Metadata of one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The partition error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The leader's broker id, or -1.</summary>
        public int LeaderId { get; set; } = -1;

        /// <summary>The leader epoch (v7+).</summary>
        public int LeaderEpoch { get; set; } = -1;

        /// <summary>The replicas.</summary>
        public List<int> ReplicaNodes { get; set; } = [];

        /// <summary>The in-sync replicas.</summary>
        public List<int> IsrNodes { get; set; } = [];

        /// <summary>The offline replicas (v5+).</summary>
        public List<int> OfflineReplicas { get; set; } = [];

        internal static Partition Read(ref KafkaReader reader, short version)
        {
            var p = new Partition
            {
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                PartitionIndex = reader.ReadInt32(),
                LeaderId = reader.ReadInt32(),
            };
            if (version >= 7)
            {
                p.LeaderEpoch = reader.ReadInt32();
            }
            p.ReplicaNodes = reader.ReadInt32Array();
            p.IsrNodes = reader.ReadInt32Array();
            if (version >= 5)
            {
                p.OfflineReplicas = reader.ReadInt32Array();
            }
            return p;
        }
    }
}
