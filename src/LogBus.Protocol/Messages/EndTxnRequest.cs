namespace LogBus.Protocol.Messages;

/// <summary>EndTxn (key 26) request, versions 0-2.</summary>
public sealed class EndTxnRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.EndTxn;

    /// <summary>The transactional id.</summary>
    public string TransactionalId { get; set; } = string.Empty;

    /// <summary>The producer id.</summary>
    public long ProducerId { get; set; }

    /// <summary>The producer epoch.</summary>
    public short ProducerEpoch { get; set; }

    /// <summary>True to commit, false to abort.</summary>
    public bool Committed { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.EndTxn, version);
        writer.WriteString(TransactionalId);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
        writer.WriteBoolean(Committed);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static EndTxnRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.EndTxn, version);
        return new EndTxnRequest
        {
            TransactionalId = reader.ReadString(),
            ProducerId = reader.ReadInt64(),
            ProducerEpoch = reader.ReadInt16(),
            Committed = reader.ReadBoolean(),
        };
    }
}
