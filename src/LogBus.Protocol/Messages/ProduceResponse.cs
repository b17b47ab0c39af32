using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>Produce (key 0) response, versions 3-7.</summary>
public sealed class ProduceResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Produce;

    /// <summary>Per-topic results.</summary>
    public List<Topic> Responses { get; set; } = [];

    /// <summary>Throttle time in milliseconds (v1+; last field on the wire).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Produce, version);
        writer.WriteArrayCount(Responses.Count);
        foreach (var t in Responses)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.Index);
                writer.WriteInt16((short)p.ErrorCode);
                writer.WriteInt64(p.BaseOffset);
                writer.WriteInt64(p.LogAppendTimeMs);
                if (version >= 5)
                {
                    writer.WriteInt64(p.LogStartOffset);
                }
            }
        }
        writer.WriteInt32(ThrottleTimeMs);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ProduceResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Produce, version);
        return new ProduceResponse
        {
            Responses = Arrays.Read(ref reader, version, 6, Topic.Read),
            ThrottleTimeMs = reader.ReadInt32(),
        };
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
        public int Index { get; set; }

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The offset assigned to the first record.</summary>
        public long BaseOffset { get; set; }

        /// <summary>The log append time, or -1 when the topic uses create time (v2+).</summary>
        public long LogAppendTimeMs { get; set; } = -1;

        /// <summary>The partition's log start offset (v5+).</summary>
        public long LogStartOffset { get; set; } = -1;

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            Index = reader.ReadInt32(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            BaseOffset = reader.ReadInt64(),
            LogAppendTimeMs = reader.ReadInt64(),
            LogStartOffset = version >= 5 ? reader.ReadInt64() : -1,
        };
    }
}
