using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>OffsetFetch (key 9) response, versions 1-5.</summary>
public sealed class OffsetFetchResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    /// <summary>Throttle time in milliseconds (v3+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>Per-topic offsets.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <summary>Top-level error (v2+).</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetFetch, version);
        if (version >= 3)
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
                writer.WriteInt64(p.CommittedOffset);
                if (version >= 5)
                {
                    writer.WriteInt32(p.CommittedLeaderEpoch);
                }
                writer.WriteNullableString(p.Metadata);
                writer.WriteInt16((short)p.ErrorCode);
            }
        }
        if (version >= 2)
        {
            writer.WriteInt16((short)ErrorCode);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static OffsetFetchResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.OffsetFetch, version);
        var r = new OffsetFetchResponse();
        if (version >= 3)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Topics = Arrays.Read(ref reader, version, 6, Topic.Read);
        if (version >= 2)
        {
            r.ErrorCode = (ErrorCode)reader.ReadInt16();
        }
        return r;
    }

    /// <summary>Offsets of one topic.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Per-partition offsets.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 16, Partition.Read),
        };
    }

    /// <summary>The committed offset of one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The committed offset, or -1 when none.</summary>
        public long CommittedOffset { get; set; } = -1;

        /// <summary>The leader epoch stored with the offset, or -1 (v5+).</summary>
        public int CommittedLeaderEpoch { get; set; } = -1;

        /// <summary>The metadata stored with the offset, or null.</summary>
        public string? Metadata { get; set; }

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version)
        {
            var p = new Partition
            {
                PartitionIndex = reader.ReadInt32(),
                CommittedOffset = reader.ReadInt64(),
            };
            if (version >= 5)
            {
                p.CommittedLeaderEpoch = reader.ReadInt32();
            }
            p.Metadata = reader.ReadNullableString();
            p.ErrorCode = (ErrorCode)reader.ReadInt16();
            return p;
        }
    }
}
