using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>LeaveGroup (key 13) response, versions 0-3.</summary>
public sealed class LeaveGroupResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>Per-member results (v3+).</summary>
    public List<Member> Members { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.LeaveGroup, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteInt16((short)ErrorCode);
        if (version >= 3)
        {
            writer.WriteArrayCount(Members.Count);
            foreach (var m in Members)
            {
                writer.WriteString(m.MemberId);
                writer.WriteNullableString(m.GroupInstanceId);
                writer.WriteInt16((short)m.ErrorCode);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static LeaveGroupResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.LeaveGroup, version);
        var r = new LeaveGroupResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.ErrorCode = (ErrorCode)reader.ReadInt16();
        if (version >= 3)
        {
            r.Members = Arrays.Read(ref reader, version, 6, Member.Read);
        }
        return r;
    }

    /// <summary>The result for one leaving member.</summary>
    public sealed class Member
    {
        /// <summary>The member id.</summary>
        public string MemberId { get; set; } = string.Empty;

        /// <summary>The static member's instance id, or null.</summary>
        public string? GroupInstanceId { get; set; }

        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        internal static Member Read(ref KafkaReader reader, short version) => new()
        {
            MemberId = reader.ReadString(),
            GroupInstanceId = reader.ReadNullableString(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
        };
    }
}
