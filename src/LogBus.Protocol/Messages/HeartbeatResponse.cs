namespace LogBus.Protocol.Messages;

/// <summary>Heartbeat (key 12) response, versions 0-3.</summary>
public sealed class HeartbeatResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Heartbeat, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteInt16((short)ErrorCode);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static HeartbeatResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Heartbeat, version);
        var r = new HeartbeatResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.ErrorCode = (ErrorCode)reader.ReadInt16();
        return r;
    }
}
