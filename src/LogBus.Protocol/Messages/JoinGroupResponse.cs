using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>JoinGroup (key 11) response, versions 0-5.</summary>
public sealed class JoinGroupResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    /// <summary>Throttle time in milliseconds (v2+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>The generation id, or -1.</summary>
    public int GenerationId { get; set; } = -1;

    /// <summary>The chosen protocol.</summary>
    public string ProtocolName { get; set; } = string.Empty;

    /// <summary>The leader's member id.</summary>
    public string Leader { get; set; } = string.Empty;

    /// <summary>This member's id.</summary>
    public string MemberId { get; set; } = string.Empty;

    /// <summary>The members (sent to the leader only).</summary>
    public List<Member> Members { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.JoinGroup, version);
        if (version >= 2)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteInt16((short)ErrorCode);
        writer.WriteInt32(GenerationId);
        writer.WriteString(ProtocolName);
        writer.WriteString(Leader);
        writer.WriteString(MemberId);
        writer.WriteArrayCount(Members.Count);
        foreach (var m in Members)
        {
            writer.WriteString(m.MemberId);
            if (version >= 5)
            {
                writer.WriteNullableString(m.GroupInstanceId);
            }
            writer.WriteBytes(m.Metadata.Span);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static JoinGroupResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.JoinGroup, version);
        var r = new JoinGroupResponse();
        if (version >= 2)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.ErrorCode = (ErrorCode)reader.ReadInt16();
        r.GenerationId = reader.ReadInt32();
        r.ProtocolName = reader.ReadString();
        r.Leader = reader.ReadString();
        r.MemberId = reader.ReadString();
        r.Members = Arrays.Read(ref reader, version, 6, Member.Read);
        return r;
    }

    /// <summary>A member of the group.</summary>
    public sealed class Member
    {
        /// <summary>The member id.</summary>
        public string MemberId { get; set; } = string.Empty;

        /// <summary>The static member's instance id, or null (v5+).</summary>
        public string? GroupInstanceId { get; set; }

        /// <summary>The member's protocol metadata.</summary>
        public ReadOnlyMemory<byte> Metadata { get; set; }

        internal static Member Read(ref KafkaReader reader, short version) => new()
        {
            MemberId = reader.ReadString(),
            GroupInstanceId = version >= 5 ? reader.ReadNullableString() : null,
            Metadata = reader.ReadBytes(),
        };
    }
}
