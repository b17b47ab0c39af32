namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// Kafka's range assignor: per topic, the members subscribed to it (sorted by member id) get
/// contiguous ranges of partitions; the first <c>partitions % members</c> members get one more.
/// </summary>
internal sealed class RangeAssignor : IPartitionAssignor
{
    public string Name => "range";

    public Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, List<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = subscriptions.Keys.ToDictionary(m => m, _ => new List<TopicPartition>(), StringComparer.Ordinal);
        var topics = subscriptions.Values.SelectMany(t => t).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            if (!partitionCounts.TryGetValue(topic, out var count))
            {
                continue;
            }
            var members = subscriptions.Where(s => s.Value.Contains(topic, StringComparer.Ordinal)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
            var per = count / members.Count;
            var extra = count % members.Count;
            var next = 0;
            for (var i = 0; i < members.Count; i++)
            {
                var take = per + (i < extra ? 1 : 0);
                for (var p = next; p < next + take; p++)
                {
                    result[members[i]].Add(new TopicPartition(topic, p));
                }
                next += take;
            }
        }
        return result;
    }
}
