namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// Kafka's round-robin assignor: every partition of every subscribed topic (sorted by topic, then
/// partition) goes to the next member (sorted by member id) that subscribes to its topic.
/// </summary>
internal sealed class RoundRobinAssignor : IPartitionAssignor
{
    public string Name => "roundrobin";

    public Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, List<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = subscriptions.Keys.ToDictionary(m => m, _ => new List<TopicPartition>(), StringComparer.Ordinal);
        var members = subscriptions.Keys.Order(StringComparer.Ordinal).ToList();
        if (members.Count == 0)
        {
            return result;
        }
        var topics = subscriptions.Values.SelectMany(t => t).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var cursor = 0;
        foreach (var topic in topics)
        {
            if (!partitionCounts.TryGetValue(topic, out var count))
            {
                continue;
            }
            for (var p = 0; p < count; p++)
            {
                // Skip members not subscribed to this topic; someone is, or the topic would not be listed.
                while (!subscriptions[members[cursor % members.Count]].Contains(topic, StringComparer.Ordinal))
                {
                    cursor++;
                }
                result[members[cursor % members.Count]].Add(new TopicPartition(topic, p));
                cursor++;
            }
        }
        return result;
    }
}
