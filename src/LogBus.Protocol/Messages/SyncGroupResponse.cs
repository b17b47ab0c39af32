namespace LogBus.Protocol.Messages;

/// <summary>SyncGroup (key 14) response, versions 0-3.</summary>
public sealed class SyncGroupResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>This member's assignment.</summary>
    public ReadOnlyMemory<byte> Assignment { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.SyncGroup, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteInt16((short)ErrorCode);
        writer.WriteBytes(Assignment.Span);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static SyncGroupResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.SyncGroup, version);
        var r = new SyncGroupResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.ErrorCode = (ErrorCode)reader.ReadInt16();
        r.Assignment = reader.ReadBytes();
        return r;
    }
}
