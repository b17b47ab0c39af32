using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>DescribeGroups (key 15) response, versions 0-4.</summary>
public sealed class DescribeGroupsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The described groups.</summary>
    public List<Group> Groups { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeGroups, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteArrayCount(Groups.Count);
        foreach (var g in Groups)
        {
            writer.WriteInt16((short)g.ErrorCode);
            writer.WriteString(g.GroupId);
            writer.WriteString(g.GroupState);
            writer.WriteString(g.ProtocolType);
            writer.WriteString(g.ProtocolData);
            writer.WriteArrayCount(g.Members.Count);
            foreach (var m in g.Members)
            {
                writer.WriteString(m.MemberId);
                if (version >= 4)
                {
                    writer.WriteNullableString(m.GroupInstanceId);
                }
                writer.WriteString(m.ClientId);
                writer.WriteString(m.ClientHost);
                writer.WriteBytes(m.MemberMetadata.Span);
                writer.WriteBytes(m.MemberAssignment.Span);
            }
            if (version >= 3)
            {
                writer.WriteInt32(g.AuthorizedOperations);
            }
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DescribeGroupsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeGroups, version);
        var r = new DescribeGroupsResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.Groups = Arrays.Read(ref reader, version, 14, Group.Read);
        return r;
    }

    /// <summary>One described group.</summary>
    public sealed class Group
    {
        /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
        public ErrorCode ErrorCode { get; set; }

        /// <summary>The group id.</summary>
        public string GroupId { get; set; } = string.Empty;

        /// <summary>The group state, e.g. <c>Stable</c>, <c>Empty</c>, <c>Dead</c>.</summary>
        public string GroupState { get; set; } = string.Empty;

        /// <summary>The protocol type, e.g. <c>consumer</c>.</summary>
        public string ProtocolType { get; set; } = string.Empty;

        /// <summary>The chosen protocol (assignor) name.</summary>
        public string ProtocolData { get; set; } = string.Empty;

        /// <summary>The members.</summary>
        public List<Member> Members { get; set; } = [];

        /// <summary>Authorized operations bit field (v3+).</summary>
        public int AuthorizedOperations { get; set; } = int.MinValue;

        internal static Group Read(ref KafkaReader reader, short version)
        {
            var g = new Group
            {
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                GroupId = reader.ReadString(),
                GroupState = reader.ReadString(),
                ProtocolType = reader.ReadString(),
                ProtocolData = reader.ReadString(),
                Members = Arrays.Read(ref reader, version, 14, Member.Read),
            };
            if (version >= 3)
            {
                g.AuthorizedOperations = reader.ReadInt32();
            }
            return g;
        }
    }

    /// <summary>One member of a described group.</summary>
    public sealed class Member
    {
        /// <summary>The member id.</summary>
        public string MemberId { get; set; } = string.Empty;

        /// <summary>The static member's instance id, or null (v4+).</summary>
        public string? GroupInstanceId { get; set; }

        /// <summary>The client id.</summary>
        public string ClientId { get; set; } = string.Empty;

        /// <summary>The client host.</summary>
        public string ClientHost { get; set; } = string.Empty;

        /// <summary>The member's protocol metadata.</summary>
        public ReadOnlyMemory<byte> MemberMetadata { get; set; }

        /// <summary>The member's assignment.</summary>
        public ReadOnlyMemory<byte> MemberAssignment { get; set; }

        internal static Member Read(ref KafkaReader reader, short version) => new()
        {
            MemberId = reader.ReadString(),
            GroupInstanceId = version >= 4 ? reader.ReadNullableString() : null,
            ClientId = reader.ReadString(),
            ClientHost = reader.ReadString(),
            MemberMetadata = reader.ReadBytes(),
            MemberAssignment = reader.ReadBytes(),
        };
    }
}
