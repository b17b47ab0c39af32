using LogBus.Protocol.Internal;
using LogBus.Protocol.Records;

namespace LogBus.Protocol.Messages;

/// <summary>
/// Produce (key 0) request, versions 3-7 (all share one layout): appends record batches to
/// partitions. Each partition's <see cref="Partition.Records"/> is a zero-copy slice of the frame when
/// decoded from memory, so a broker can store it unchanged.
/// </summary>
public sealed class ProduceRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Produce;

    /// <summary>The transactional id, or null when not transactional (v3+).</summary>
    public string? TransactionalId { get; set; }

    /// <summary>Required acknowledgements: 0 none, 1 leader, -1 all in-sync replicas.</summary>
    public short Acks { get; set; } = -1;

    /// <summary>How long to wait for the acknowledgements, in milliseconds.</summary>
    public int TimeoutMs { get; set; }

    /// <summary>The topics to produce to.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Produce, version);
        writer.WriteNullableString(TransactionalId);
        writer.WriteInt16(Acks);
        writer.WriteInt32(TimeoutMs);
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.Index);
                writer.WriteRecords(p.Records);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ProduceRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Produce, version);
        return new ProduceRequest
        {
            TransactionalId = reader.ReadNullableString(),
            Acks = reader.ReadInt16(),
            TimeoutMs = reader.ReadInt32(),
            Topics = Arrays.Read(ref reader, version, 6, Topic.Read),
        };
    }

    /// <summary>One topic of a produce request.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The partitions to produce to.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 8, Partition.Read),
        };
    }

    /// <summary>One partition of a produce request.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int Index { get; set; }

        /// <summary>The record batches (magic v2), exactly as the producer built them.</summary>
        public RecordSet Records { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            Index = reader.ReadInt32(),
            Records = reader.ReadRecords(),
        };
    }
}
