using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>ListOffsets (key 2) response, versions 1-5.</summary>
public sealed class ListOffsetsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.ListOffsets;

    /// <summary>Throttle time in milliseconds (v2+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic results.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListOffsets, version);
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
                writer.WriteInt32(p.PartitionIndex);
                writer.WriteInt16((short)p.ErrorCode);
                writer.WriteInt64(p.Timestamp);
                writer.WriteInt64(p.Offset);
                if (version >= 4)
                {
                    writer.WriteInt32(p.LeaderEpoch);
                }
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ListOffsetsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListOffsets, version);
        var r = new ListOffsetsResponse();
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
            Partitions = Arrays.Read(ref reader, version, 22, Partition.Read),
        };
    }

    /// <summary>Result for one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The timestamp of the returned offset, or -1.</summary>
        public long Timestamp { get; set; } = -1;

        /// <summary>The returned offset, or -1.</summary>
        public long Offset { get; set; } = -1;

        /// <summary>The leader epoch of the returned offset, or -1 (v4+).</summary>
        public int LeaderEpoch { get; set; } = -1;

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            Timestamp = reader.ReadInt64(),
            Offset = reader.ReadInt64(),
            LeaderEpoch = version >= 4 ? reader.ReadInt32() : -1,
        };
    }
}
