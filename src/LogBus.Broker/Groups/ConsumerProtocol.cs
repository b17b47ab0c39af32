using LogBus.Protocol;

namespace LogBus.Broker.Groups;

/// <summary>
/// Decodes the parts of Kafka's consumer protocol (protocol type <c>consumer</c>) the coordinator reads:
/// the topics of a member's subscription and the partitions of its assignment. Both are versioned
/// structures whose newer versions only append fields, so any version is read by its common prefix.
/// Never throws: malformed bytes give false.
/// </summary>
internal static class ConsumerProtocol
{
    /// <summary>The protocol type of Kafka consumers.</summary>
    public const string ProtocolType = "consumer";

    /// <summary>Reads the subscribed topics (int16 version, [string topic], ...).</summary>
    public static bool TryReadSubscriptionTopics(ReadOnlySpan<byte> subscription, out List<string> topics)
    {
        topics = [];
        try
        {
            var reader = new KafkaReader(subscription);
            reader.ReadInt16();
            var count = reader.ReadArrayCount(minElementSize: 2);
            for (var i = 0; i < count; i++)
            {
                topics.Add(reader.ReadString());
            }
            return true;
        }
        catch (KafkaProtocolException)
        {
            topics = [];
            return false;
        }
    }

    /// <summary>Reads the assigned partitions (int16 version, [string topic, [int32 partition]], ...).</summary>
    public static bool TryReadAssignment(ReadOnlySpan<byte> assignment, out List<(string Topic, int Partition)> partitions)
    {
        partitions = [];
        if (assignment.IsEmpty)
        {
            return true; // a member without an assignment (not yet synced)
        }
        try
        {
            var reader = new KafkaReader(assignment);
            reader.ReadInt16();
            var count = reader.ReadArrayCount(minElementSize: 6);
            for (var i = 0; i < count; i++)
            {
                var topic = reader.ReadString();
                var n = reader.ReadArrayCount(minElementSize: 4);
                for (var j = 0; j < n; j++)
                {
                    partitions.Add((topic, reader.ReadInt32()));
                }
            }
            return true;
        }
        catch (KafkaProtocolException)
        {
            partitions = [];
            return false;
        }
    }
}
