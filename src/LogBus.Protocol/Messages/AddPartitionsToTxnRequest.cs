using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>AddPartitionsToTxn (key 24) request, versions 0-2.</summary>
public sealed class AddPartitionsToTxnRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    /// <summary>The transactional id.</summary>
    public string TransactionalId { get; set; } = string.Empty;

    /// <summary>The producer id.</summary>
    public long ProducerId { get; set; }

    /// <summary>The producer epoch.</summary>
    public short ProducerEpoch { get; set; }

    /// <summary>The partitions to add to the transaction.</summary>
    public List<Topic> Topics { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddPartitionsToTxn, version);
        writer.WriteString(TransactionalId);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
        writer.WriteArrayCount(Topics.Count);
        foreach (var t in Topics)
        {
            writer.WriteString(t.Name);
            writer.WriteInt32Array(t.Partitions);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static AddPartitionsToTxnRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddPartitionsToTxn, version);
        return new AddPartitionsToTxnRequest
        {
            TransactionalId = reader.ReadString(),
            ProducerId = reader.ReadInt64(),
            ProducerEpoch = reader.ReadInt16(),
            Topics = Arrays.Read(ref reader, version, 6, Topic.Read),
        };
    }

    /// <summary>A topic with the partitions to add.</summary>
    public sealed class Topic
    {
        /// <summary>The topic name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The partition indexes.</summary>
        public List<int> Partitions { get; set; } = [];

        internal static Topic Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = reader.ReadInt32Array(),
        };
    }
}
