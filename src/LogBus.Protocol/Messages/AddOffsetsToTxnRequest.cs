namespace LogBus.Protocol.Messages;

/// <summary>AddOffsetsToTxn (key 25) request, versions 0-2.</summary>
public sealed class AddOffsetsToTxnRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    /// <summary>The transactional id.</summary>
    public string TransactionalId { get; set; } = string.Empty;

    /// <summary>The producer id.</summary>
    public long ProducerId { get; set; }

    /// <summary>The producer epoch.</summary>
    public short ProducerEpoch { get; set; }

    /// <summary>The consumer group whose offsets join the transaction.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddOffsetsToTxn, version);
        writer.WriteString(TransactionalId);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
        writer.WriteString(GroupId);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static AddOffsetsToTxnRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddOffsetsToTxn, version);
        return new AddOffsetsToTxnRequest
        {
            TransactionalId = reader.ReadString(),
            ProducerId = reader.ReadInt64(),
            ProducerEpoch = reader.ReadInt16(),
            GroupId = reader.ReadString(),
        };
    }
}
