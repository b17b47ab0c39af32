namespace LogBus.Protocol.Messages;

/// <summary>FindCoordinator (key 10) response, versions 0-2.</summary>
public sealed class FindCoordinatorResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>The error message, or null (v1+).</summary>
    public string? ErrorMessage { get; set; }

    /// <summary>The coordinator's broker id.</summary>
    public int NodeId { get; set; }

    /// <summary>The coordinator's host.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>The coordinator's port.</summary>
    public int Port { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.FindCoordinator, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteInt16((short)ErrorCode);
        if (version >= 1)
        {
            writer.WriteNullableString(ErrorMessage);
        }
        writer.WriteInt32(NodeId);
        writer.WriteString(Host);
        writer.WriteInt32(Port);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static FindCoordinatorResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.FindCoordinator, version);
        var r = new FindCoordinatorResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.ErrorCode = (ErrorCode)reader.ReadInt16();
        if (version >= 1)
        {
            r.ErrorMessage = reader.ReadNullableString();
        }
        r.NodeId = reader.ReadInt32();
        r.Host = reader.ReadString();
        r.Port = reader.ReadInt32();
        return r;
    }
}
