namespace LogBus.Protocol.Messages;

/// <summary>DescribeGroups (key 15) request, versions 0-4.</summary>
public sealed class DescribeGroupsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    /// <summary>The groups to describe.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>Whether to include authorized operations (v3+).</summary>
    public bool IncludeAuthorizedOperations { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeGroups, version);
        writer.WriteStringArray(Groups);
        if (version >= 3)
        {
            writer.WriteBoolean(IncludeAuthorizedOperations);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DescribeGroupsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DescribeGroups, version);
        return new DescribeGroupsRequest
        {
            Groups = reader.ReadStringArray()!,
            IncludeAuthorizedOperations = version >= 3 && reader.ReadBoolean(),
        };
    }
}
