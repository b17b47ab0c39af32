using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>ListGroups (key 16) response, versions 0-2.</summary>
public sealed class ListGroupsResponse : KafkaResponse
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.ListGroups;

    /// <summary>Throttle time in milliseconds (v1+).</summary>
    public int ThrottleTimeMs { get; set; }

    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode ErrorCode { get; set; }

    /// <summary>The groups.</summary>
    public List<Group> Groups { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListGroups, version);
        if (version >= 1)
        {
            writer.WriteInt32(ThrottleTimeMs);
        }
        writer.WriteInt16((short)ErrorCode);
        writer.WriteArrayCount(Groups.Count);
        foreach (var g in Groups)
        {
            writer.WriteString(g.GroupId);
            writer.WriteString(g.ProtocolType);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ListGroupsResponse Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListGroups, version);
        var r = new ListGroupsResponse();
        if (version >= 1)
        {
            r.ThrottleTimeMs = reader.ReadInt32();
        }
        r.ErrorCode = (ErrorCode)reader.ReadInt16();
        r.Groups = Arrays.Read(ref reader, version, 4, Group.Read);
        return r;
    }

    /// <summary>A listed group.</summary>
    public sealed class Group
    {
        /// <summary>The group id.</summary>
        public string GroupId { get; set; } = string.Empty;

        /// <summary>The protocol type (empty for groups that only store offsets).</summary>
        public string ProtocolType { get; set; } = string.Empty;

        internal static Group Read(ref KafkaReader reader, short version) => new()
        {
            GroupId = reader.ReadString(),
            ProtocolType = reader.ReadString(),
        };
    }
}
