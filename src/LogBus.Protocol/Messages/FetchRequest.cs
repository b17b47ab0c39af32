using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>Fetch (key 1) request, versions 4-11.</summary>
public sealed class FetchRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Fetch;

    /// <summary>The broker id of a follower, or -1 for a consumer.</summary>
    public int ReplicaId { get; set; } = -1;

    /// <summary>Longest time to wait for <see cref="MinBytes"/>, in milliseconds.</summary>
    public int MaxWaitMs { get; set; }

    /// <summary>Least bytes to accumulate before answering.</summary>
    public int MinBytes { get; set; }

    /// <summary>Most bytes to return over all partitions (v3+).</summary>
    public int MaxBytes { get; set; } = int.MaxValue;

    /// <summary>0 read uncommitted, 1 read committed (v4+).</summary>
    public sbyte IsolationLevel { get; set; }

    /// <summary>The fetch session id (v7+).</summary>
    public int SessionId { get; set; }

    /// <summary>The fetch session epoch (v7+).</summary>
    public int SessionEpoch { get; set; } = -1;

    /// <summary>The topics to fetch.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <summary>Partitions to remove from an incremental fetch session (v7+).</summary>
    public List<ForgottenTopic> ForgottenTopicsData { get; set; } = [];

    /// <summary>The consumer's rack id (v11+).</summary>
    public string RackId { get; set; } = string.Empty;

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Fetch, version);
        writer.WriteInt32(ReplicaId);
        writer.WriteInt32(MaxWaitMs);
        writer.WriteInt32(MinBytes);
        writer.WriteInt32(MaxBytes);
        writer.WriteInt8(IsolationLevel);
        if (version >= 7)
        {
            writer.WriteInt32(SessionId);
            writer.WriteInt32(SessionEpoch);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.Index);
                if (version >= 9)
                {
                    writer.WriteInt32(p.CurrentLeaderEpoch);
                }
                writer.WriteInt64(p.FetchOffset);
                if (version >= 5)
                {
                    writer.WriteInt64(p.LogStartOffset);
                }
                writer.WriteInt32(p.PartitionMaxBytes);
            }
        }
        if (version >= 7)
        {
            writer.WriteArrayCount(ForgottenTopicsData.Count);
            foreach (var f in ForgottenTopicsData)
            {
                writer.WriteString(f.Name);
                writer.WriteInt32Array(f.Partitions);
            }
        }
        if (version >= 11)
        {
            writer.WriteString(RackId);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static FetchRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Fetch, version);
        var r = new FetchRequest
        {
            ReplicaId = reader.ReadInt32(),
            MaxWaitMs = reader.ReadInt32(),
            MinBytes = reader.ReadInt32(),
            MaxBytes = reader.ReadInt32(),
            IsolationLevel = reader.ReadInt8(),
        };
        if (version >= 7)
        {
            r.SessionId = reader.ReadInt32();
            r.SessionEpoch = reader.ReadInt32();
        }
        r.Topics = Arrays.Read(ref reader, version, 6, Topic.Read);
        if (version >= 7)
        {
            r.ForgottenTopicsData = Arrays.Read(ref reader, version, 6, ForgottenTopic.Read);
        }
        if (version >= 11)
        {
            r.RackId = reader.ReadString();
        }
        return r;
    }

    /// <summary>One topic to fetch.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The partitions to fetch.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 16, Partition.Read),
        };
    }

    /// <summary>One partition to fetch.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int Index { get; set; }

        /// <summary>The consumer's view of the leader epoch, or -1 (v9+).</summary>
        public int CurrentLeaderEpoch { get; set; } = -1;

        /// <summary>The offset to fetch from.</summary>
        public long FetchOffset { get; set; }

        /// <summary>The follower's log start offset, or -1 for consumers (v5+).</summary>
        public long LogStartOffset { get; set; } = -1;

        /// <summary>Most bytes to return for this partition.</summary>
        public int PartitionMaxBytes { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            Index = reader.ReadInt32(),
            CurrentLeaderEpoch = version >= 9 ? reader.ReadInt32() : -1,
            FetchOffset = reader.ReadInt64(),
            LogStartOffset = version >= 5 ? reader.ReadInt64() : -1,
            PartitionMaxBytes = reader.ReadInt32(),
        };
    }

    /// <summary>Partitions to drop from a fetch session.</summary>
    public sealed class ForgottenTopic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The partition indexes to forget.</summary>
        public List<int> Partitions { get; set; } = [];

        internal static ForgottenTopic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = reader.ReadInt32Array(),
        };
    }
}
