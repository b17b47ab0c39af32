using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>TxnOffsetCommit (key 28) request, versions 0-2.</summary>
public sealed class TxnOffsetCommitRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    /// <summary>The transactional id.</summary>
    public string TransactionalId { get; set; } = string.Empty;

    /// <summary>The consumer group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The producer id.</summary>
    public long ProducerId { get; set; }

    /// <summary>The producer epoch.</summary>
    public short ProducerEpoch { get; set; }

    /// <summary>The offsets to commit in the transaction.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.TxnOffsetCommit, version);
        writer.WriteString(TransactionalId);
        writer.WriteString(GroupId);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteArrayCount(t.Partitions.Count);
            foreach (var p in t.Partitions)
            {
                writer.WriteInt32(p.PartitionIndex);
                writer.WriteInt64(p.CommittedOffset);
                if (version >= 2)
                {
                    writer.WriteInt32(p.CommittedLeaderEpoch);
                }
                writer.WriteNullableString(p.CommittedMetadata);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static TxnOffsetCommitRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.TxnOffsetCommit, version);
        return new TxnOffsetCommitRequest
        {
            TransactionalId = reader.ReadString(),
            GroupId = reader.ReadString(),
            ProducerId = reader.ReadInt64(),
            ProducerEpoch = reader.ReadInt16(),
            Topics = Arrays.Read(ref reader, version, 6, Topic.Read),
        };
    }

    /// <summary>Offsets for one topic.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Offsets per partition.</summary>
        public List<Partition> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = Arrays.Read(ref reader, version, 14, Partition.Read),
        };
    }

    /// <summary>The offset for one partition.</summary>
    public sealed class Partition
    {
        /// <summary>The partition index.</summary>
        public int PartitionIndex { get; set; }

        /// <summary>The offset to commit.</summary>
        public long CommittedOffset { get; set; }

        /// <summary>The leader epoch of the last consumed record, or -1 (v2+).</summary>
        public int CommittedLeaderEpoch { get; set; } = -1;

        /// <summary>Client metadata stored with the offset, or null.</summary>
        public string? CommittedMetadata { get; set; }

        internal static Partition Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            CommittedOffset = reader.ReadInt64(),
            CommittedLeaderEpoch = version >= 2 ? reader.ReadInt32() : -1,
            CommittedMetadata = reader.ReadNullableString(),
        };
    }
}
