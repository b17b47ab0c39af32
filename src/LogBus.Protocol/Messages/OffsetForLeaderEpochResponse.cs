using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>OffsetForLeaderEpoch (key 23) response, versions 0-3.</summary>
public sealed class OffsetForLeaderEpochResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;

    /// <summary>Throttle time in milliseconds (v2+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic results.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetForLeaderEpoch, version);
        if (version >= 2)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt16((short)p.ErrorCode);
                writer.WriteInt32(p.PartitionIndex);
                if (version >= 1)
                {
                    writer.WriteInt32(p.LeaderEpoch);
                }
                writer.WriteInt64(p.EndOffset);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static OffsetForLeaderEpochResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetForLeaderEpoch, version);
        var r = new OffsetForLeaderEpochResponse();
        if (version >= 2)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Topics = Arrays.Read(ref reader, version, 6, Topic.Read);
        return r;
    }

    /// <summary>Results for one topic.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Per-partition results.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 14, Partition.Read),
        };
    }

    /// <summary>Result for one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The leader epoch of the returned end offset, or -1 (v1+).</summary>
        public int LeaderEpoch { get; set; } = -1;

        /// <summary>The end offset of the epoch, or -1.</summary>
        public long EndOffset { get; set; } = -1;

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            PartitionIndex = reader.ReadInt32(),
            LeaderEpoch = version >= 1 ? reader.ReadInt32() : -1,
            EndOffset = reader.ReadInt64(),
        };
    }
}
