namespace LogBus.Protocol.Messages;

/// <summary>InitProducerId (key 22) response, versions 0-1.</summary>
public sealed class InitProducerIdResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>The producer id, or -1.</summary>
    public long ProducerId { get; set; } = -1;

    /// <summary>The producer epoch, or -1.</summary>
    public short ProducerEpoch { get; set; } = -1;

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.InitProducerId, version);
        writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static InitProducerIdResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.InitProducerId, version);
        return new InitProducerIdResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            ProducerId = reader.ReadInt64(),
            ProducerEpoch = reader.ReadInt16(),
        };
    }
}
