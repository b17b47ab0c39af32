namespace LogBus.Protocol.Messages;

/// <summary>DeleteGroups (key 42) request, versions 0-1.</summary>
public sealed class DeleteGroupsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    /// <summary>The groups to delete.</summary>
    public List<string> GroupsNames { get; set; } = [];

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteGroups, version);
        writer.WriteStringArray(GroupsNames);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DeleteGroupsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteGroups, version);
        return new DeleteGroupsRequest { GroupsNames = reader.ReadStringArray()! };
    }
}
