using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>ListOffsets (key 2) request, versions 1-5: finds offsets by timestamp (-1 latest, -2 earliest).</summary>
public sealed class ListOffsetsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.ListOffsets;

    /// <summary>The broker id of a follower, or -1 for a consumer.</summary>
    public int ReplicaId { get; set; } = -1;

    /// <summary>0 read uncommitted, 1 read committed (v2+).</summary>
    public sbyte IsolationLevel { get; set; }

    /// <summary>The topics to look up.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListOffsets, version);
        writer.WriteInt32(ReplicaId);
        if (version >= 2)
        {
            writer.WriteInt8(IsolationLevel);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.PartitionIndex);
                if (version >= 4)
                {
                    writer.WriteInt32(p.CurrentLeaderEpoch);
                }
                writer.WriteInt64(p.Timestamp);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ListOffsetsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListOffsets, version);
        var r = new ListOffsetsRequest { ReplicaId = reader.ReadInt32() };
        if (version >= 2)
        {
            r.IsolationLevel = reader.ReadInt8();
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
            Partitions = Arrays.Read(ref reader, version, 12, Partition.Read),
        };
    }

    /// <summary>One partition to look up.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The client's view of the leader epoch, or -1 (v4+).</summary>
        public int CurrentLeaderEpoch { get; set; } = -1;

        /// <summary>The timestamp to look up; -1 latest, -2 earliest.</summary>
        public long Timestamp { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            CurrentLeaderEpoch = version >= 4 ? reader.ReadInt32() : -1,
            Timestamp = reader.ReadInt64(),
        };
    }
}
