namespace LogBus.Protocol.Messages;

/// <summary>DeleteTopics (key 20) request, versions 0-3.</summary>
public sealed class DeleteTopicsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    /// <summary>The topics to delete.</summary>
    public List<string> TopicNames { get; set; } = [];

    /// <summary>How long to wait for deletion, in milliseconds.</summary>
    public int TimeoutMs { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteTopics, version);
        writer.WriteStringArray(TopicNames);
        writer.WriteInt32(TimeoutMs);
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static DeleteTopicsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.DeleteTopics, version);
        return new DeleteTopicsRequest
        {
            TopicNames = reader.ReadStringArray()!,
            TimeoutMs = reader.ReadInt32(),
        };
    }
}
