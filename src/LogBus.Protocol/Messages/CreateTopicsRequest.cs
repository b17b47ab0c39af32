using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>CreateTopics (key 19) request, versions 0-4 (v4 lets partitions and replication factor be -1 for the broker default).</summary>
public sealed class CreateTopicsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    /// <summary>The topics to create.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <summary>How long to wait for creation, in milliseconds.</summary>
    public int TimeoutMs { get; set; }

    /// <summary>Validate only, create nothing (v1+).</summary>
    public bool ValidateOnly { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.CreateTopics, version);
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteInt32(t.NumPartitions);
            writer.WriteInt16(t.ReplicationFactor);
            writer.WriteArrayCount(t.Assignments.Count);
            foreach (var a in t.Assignments)
            {
                writer.WriteInt32(a.PartitionIndex);
                writer.WriteInt32Array(a.BrokerIds);
            }
            writer.WriteArrayCount(t.Configs.Count);
            foreach (var c in t.Configs)
            {
                writer.WriteString(c.Name);
                writer.WriteNullableString(c.Value);
            }
        }
        writer.WriteInt32(TimeoutMs);
        if (version >= 1)
        {
            writer.WriteBoolean(ValidateOnly);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static CreateTopicsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.CreateTopics, version);
        return new CreateTopicsRequest
        {
            Topics = Arrays.Read(ref reader, version, 16, Topic.Read),
            TimeoutMs = reader.ReadInt32(),
            ValidateOnly = version >= 1 && reader.ReadBoolean(),
        };
    }

    /// <summary>A topic to create.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Number of partitions, or -1 for the default (or when assignments are given).</summary>
        public int NumPartitions { get; set; } = -1;

        /// <summary>Replication factor, or -1 for the default (or when assignments are given).</summary>
        public short ReplicationFactor { get; set; } = -1;

        /// <summary>Manual replica assignments.</summary>
        public List<Assignment> Assignments { get; set; } = [];

        /// <summary>Topic configuration entries.</summary>
        public List<Config> Configs { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            NumPartitions = reader.ReadInt32(),
            ReplicationFactor = reader.ReadInt16(),
            Assignments = Arrays.Read(ref reader, version, 8, Assignment.Read),
            Configs = Arrays.Read(ref reader, version, 4, Config.Read),
        };
    }

    /// <summary>A manual replica assignment for one partition.</summary>
    public sealed class Assignment
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The replica broker ids.</summary>
        public List<int> BrokerIds { get; set; } = [];

        internal static Assignment Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            BrokerIds = reader.ReadInt32Array(),
        };
    }

    /// <summary>A configuration entry.</summary>
    public sealed class Config
    {
        /// <summary>The configuration name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The value, or null.</summary>
        public string? Value { get; set; }

        internal static Config Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Value = reader.ReadNullableString(),
        };
    }
}
