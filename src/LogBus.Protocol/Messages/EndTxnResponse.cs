namespace LogBus.Protocol.Messages;

/// <summary>EndTxn (key 26) response, versions 0-2.</summary>
public sealed class EndTxnResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.EndTxn;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.EndTxn, version);
        writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static EndTxnResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.EndTxn, version);
        return new EndTxnResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
        };
    }
}
