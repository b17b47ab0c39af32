using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>JoinGroup (key 11) request, versions 0-5.</summary>
public sealed class JoinGroupRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    /// <summary>The group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The session timeout in milliseconds.</summary>
    public int SessionTimeoutMs { get; set; }

    /// <summary>The rebalance timeout in milliseconds (v1+; v0 uses the session timeout).</summary>
    public int RebalanceTimeoutMs { get; set; } = -1;

    /// <summary>The member id, empty on the first join.</summary>
    public string MemberId { get; set; } = string.Empty;

    /// <summary>The static member's instance id, or null (v5+).</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>The protocol type, e.g. <c>consumer</c>.</summary>
    public string ProtocolType { get; set; } = string.Empty;

    /// <summary>The protocols the member supports, in preference order.</summary>
    public List<Protocol> Protocols { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.JoinGroup, version);
        writer.WriteString(GroupId);
        writer.WriteInt32(SessionTimeoutMs);
        if (version >= 1)
        {
            writer.WriteInt32(RebalanceTimeoutMs);
        }
        writer.WriteString(MemberId);
        if (version >= 5)
        {
            writer.WriteNullableString(GroupInstanceId);
        }
        writer.WriteString(ProtocolType);
        writer.WriteArrayCount(Protocols.Count);
        foreach (var p in Protocols)
        {
            writer.WriteString(p.Name);
            writer.WriteBytes(p.Metadata.Span);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static JoinGroupRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.JoinGroup, version);
        var r = new JoinGroupRequest
        {
            GroupId = reader.ReadString(),
            SessionTimeoutMs = reader.ReadInt32(),
        };
        if (version >= 1)
        {
            r.RebalanceTimeoutMs = reader.ReadInt32();
        }
        r.MemberId = reader.ReadString();
        if (version >= 5)
        {
            r.GroupInstanceId = reader.ReadNullableString();
        }
        r.ProtocolType = reader.ReadString();
        r.Protocols = Arrays.Read(ref reader, version, 6, Protocol.Read);
        return r;
    }

    /// <summary>One supported protocol (assignor) with its metadata.</summary>
    public sealed class Protocol
    {
        /// <summary>The protocol name, e.g. <c>range</c>.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The protocol metadata (opaque to the broker).</summary>
        public ReadOnlyMemory<byte> Metadata { get; set; }

        internal static Protocol Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Metadata = reader.ReadBytes(),
        };
    }
}
