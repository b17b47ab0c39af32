using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>OffsetForLeaderEpoch (key 23) request, versions 0-3.</summary>
public sealed class OffsetForLeaderEpochRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;

    /// <summary>The follower's broker id, -1 for consumers, -2 for debugging (v3+).</summary>
    public int ReplicaId { get; set; } = -2;

    /// <summary>The topics to look up.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetForLeaderEpoch, version);
        if (version >= 3)
        {
            writer.WriteInt32(ReplicaId);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.PartitionIndex);
                if (version >= 2)
                {
                    writer.WriteInt32(p.CurrentLeaderEpoch);
                }
                writer.WriteInt32(p.LeaderEpoch);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static OffsetForLeaderEpochRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetForLeaderEpoch, version);
        var r = new OffsetForLeaderEpochRequest();
        if (version >= 3)
        {
            r.ReplicaId = reader.ReadInt32();
        }
        r.Topics = Arrays.Read(ref reader, version, 6, Topic.Read);
        return r;
    }

    /// <summary>One topic to look up.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The partitions to look up.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 8, Partition.Read),
        };
    }

    /// <summary>One partition to look up.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The client's view of the current leader epoch, or -1 (v2+).</summary>
        public int CurrentLeaderEpoch { get; set; } = -1;

        /// <summary>The epoch whose end offset is wanted.</summary>
        public int LeaderEpoch { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            CurrentLeaderEpoch = version >= 2 ? reader.ReadInt32() : -1,
            LeaderEpoch = reader.ReadInt32(),
        };
    }
}
