using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>LeaveGroup (key 13) request, versions 0-3. v0-2 name one member; v3 a batch of members.</summary>
public sealed class LeaveGroupRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    /// <summary>The group id.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>The member leaving (v0-2).</summary>
    public string MemberId { get; set; } = string.Empty;

    /// <summary>The members leaving (v3+).</summary>
    public List<Member> Members { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.LeaveGroup, version);
        writer.WriteString(GroupId);
        if (version <= 2)
        {
            writer.WriteString(MemberId);
            return;
        }
        writer.WriteArrayCount(Members.Count);
        foreach (var m in Members)
        {
            writer.WriteString(m.MemberId);
            writer.WriteNullableString(m.GroupInstanceId);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static LeaveGroupRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.LeaveGroup, version);
        var r = new LeaveGroupRequest { GroupId = reader.ReadString() };
        if (version <= 2)
        {
            r.MemberId = reader.ReadString();
        }
        else
        {
            r.Members = Arrays.Read(ref reader, version, 4, Member.Read);
        }
        return r;
    }

    /// <summary>A member leaving the group.</summary>
    public sealed class Member
    {
        /// <summary>The member id.</summary>
        public string MemberId { get; set; } = string.Empty;

        /// <summary>The static member's instance id, or null.</summary>
        public string? GroupInstanceId { get; set; }

        internal static Member Read(ref KafkaReader reader, short version) => new()
        {
            MemberId = reader.ReadString(),
            GroupInstanceId = reader.ReadNullableString(),
        };
    }
}
