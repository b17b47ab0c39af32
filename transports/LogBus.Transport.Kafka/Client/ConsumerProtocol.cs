using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// The embedded format of the "consumer" group protocol that every Kafka client speaks: the
/// subscription a member sends in JoinGroup and the assignment the leader sends in SyncGroup.
/// Written as version 0; newer versions (which append fields) are read by ignoring what follows.
/// </summary>
internal static class ConsumerProtocol
{
    /// <summary>The group protocol type of consumers.</summary>
    public const string ProtocolType = "consumer";

    /// <summary>Subscription v0: int16 version, topics (array of strings), user data (nullable bytes).</summary>
    public static byte[] EncodeSubscription(IEnumerable<string> topics)
    {
        var list = topics.Order(StringComparer.Ordinal).ToList();
        using var buffer = new PooledBufferWriter(256);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(0);
        writer.WriteStringArray(list);
        writer.WriteNullableBytes(null);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the topics of a member's subscription (any version).</summary>
    public static List<string> DecodeSubscription(ReadOnlyMemory<byte> metadata)
    {
        var reader = new KafkaReader(metadata);
        var version = reader.ReadInt16();
        if (version < 0)
        {
            throw new KafkaProtocolException($"Consumer subscription version {version} is invalid.");
        }
        return reader.ReadStringArray() ?? [];
    }

    /// <summary>Assignment v0: int16 version, array of (topic, partitions), user data (nullable bytes).</summary>
    public static byte[] EncodeAssignment(IReadOnlyCollection<TopicPartition> partitions)
    {
        using var buffer = new PooledBufferWriter(256);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(0);
        var byTopic = partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        writer.WriteArrayCount(byTopic.Count);
        foreach (var topic in byTopic)
        {
            writer.WriteString(topic.Key);
            writer.WriteInt32Array(topic.Select(p => p.Partition).Order().ToList());
        }
        writer.WriteNullableBytes(null);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an assignment (any version); an empty buffer is an empty assignment.</summary>
    public static List<TopicPartition> DecodeAssignment(ReadOnlyMemory<byte> data)
    {
        var result = new List<TopicPartition>();
        if (data.IsEmpty)
        {
            return result;
        }
        var reader = new KafkaReader(data);
        var version = reader.ReadInt16();
        if (version < 0)
        {
            throw new KafkaProtocolException($"Consumer assignment version {version} is invalid.");
        }
        var topics = reader.ReadArrayCount(6);
        for (var i = 0; i < topics; i++)
        {
            var topic = reader.ReadString();
            foreach (var partition in reader.ReadInt32Array())
            {
                result.Add(new TopicPartition(topic, partition));
            }
        }
        return result;
    }
}
