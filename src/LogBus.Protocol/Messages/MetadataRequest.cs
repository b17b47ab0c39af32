using LogBus.Protocol.Internal;

namespace LogBus.Protocol.Messages;

/// <summary>Metadata (key 3) request, versions 0-8.</summary>
public sealed class MetadataRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.Metadata;

    /// <summary>
    /// The topics to describe; null means all topics. v0 cannot carry null: there an empty array means
    /// all topics, so v0 writes null as empty and reads empty as null.
    /// </summary>
    public List<string>? Topics { get; set; }

    /// <summary>Whether the broker may auto-create the requested topics (v4+; earlier versions always may).</summary>
    public bool AllowAutoTopicCreation { get; set; } = true;

    /// <summary>Whether to include cluster authorized operations (v8+).</summary>
    public bool IncludeClusterAuthorizedOperations { get; set; }

    /// <summary>Whether to include topic authorized operations (v8+).</summary>
    public bool IncludeTopicAuthorizedOperations { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Metadata, version);
        // Each topic is a struct { name } on the wire: the same bytes as a string array.
        writer.WriteStringArray(Topics, nullable: version >= 1);
        if (version >= 4)
        {
            writer.WriteBoolean(AllowAutoTopicCreation);
        }
        if (version >= 8)
        {
            writer.WriteBoolean(IncludeClusterAuthorizedOperations);
            writer.WriteBoolean(IncludeTopicAuthorizedOperations);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static MetadataRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.Metadata, version);
        var r = new MetadataRequest { Topics = reader.ReadStringArray(nullable: version >= 1) };
        if (version == 0 && r.Topics is { Count: 0 })
        {
            r.Topics = null;
        }
        if (version >= 4)
        {
            r.AllowAutoTopicCreation = reader.ReadBoolean();
        }
        if (version >= 8)
        {
            r.IncludeClusterAuthorizedOperations = reader.ReadBoolean();
            r.IncludeTopicAuthorizedOperations = reader.ReadBoolean();
        }
        return r;
    }
}
