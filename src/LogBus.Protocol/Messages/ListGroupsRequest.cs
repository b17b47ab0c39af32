namespace LogBus.Protocol.Messages;

/// <summary>ListGroups (key 16) request, versions 0-2 (an empty body).</summary>
public sealed class ListGroupsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.ListGroups;

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version) =>
        ApiVersionTable.EnsureSupported(ApiKey.ListGroups, version);

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ListGroupsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ListGroups, version);
        return new ListGroupsRequest();
    }
}
