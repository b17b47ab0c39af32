namespace LogBus.Protocol.Messages;

/// <summary>AddOffsetsToTxn (key 25) response, versions 0-2.</summary>
public sealed class AddOffsetsToTxnResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    /// <summary>Throttle time in milliseconds.</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddOffsetsToTxn, version);
        writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static AddOffsetsToTxnResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.AddOffsetsToTxn, version);
        return new AddOffsetsToTxnResponse
        {
            ThrottleTimeMs = reader.ReadInt32(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
        };
    }
}
