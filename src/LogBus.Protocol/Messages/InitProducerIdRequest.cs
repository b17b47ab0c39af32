namespace LogBus.Protocol.Messages;

/// <summary>InitProducerId (key 22) request, versions 0-1.</summary>
public sealed class InitProducerIdRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    /// <summary>The transactional id, or null for an idempotent-only producer.</summary>
    public string? TransactionalId { get; set; }

    /// <summary>The transaction timeout in milliseconds.</summary>
    public int TransactionTimeoutMs { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.InitProducerId, version);
        writer.WriteNullableString(TransactionalId);
        writer.WriteInt32(TransactionTimeoutMs);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static InitProducerIdRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.InitProducerId, version);
        return new InitProducerIdRequest
        {
            TransactionalId = reader.ReadNullableString(),
            TransactionTimeoutMs = reader.ReadInt32(),
        };
    }
}
