namespace LogBus.Protocol.Messages;

/// <summary>Heartbeat (key 12) request, versions 0-3.</summary>
public sealed class HeartbeatRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    /// <summary>The group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The generation id.</summary>
    public int GenerationId { get; set; }

    /// <summary>The member id.</summary>
    public string MemberId { get; set; } = string.Empty;

    /// <summary>The static member's instance id, or null (v3+).</summary>
    public string? GroupInstanceId { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Heartbeat, version);
        writer.WriteString(GroupId);
        writer.WriteInt32(GenerationId);
        writer.WriteString(MemberId);
        if (version >= 3)
        {
            writer.WriteNullableString(GroupInstanceId);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static HeartbeatRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Heartbeat, version);
        return new HeartbeatRequest
        {
            GroupId = reader.ReadString(),
            GenerationId = reader.ReadInt32(),
            MemberId = reader.ReadString(),
            GroupInstanceId = version >= 3 ? reader.ReadNullableString() : null,
        };
    }
}
