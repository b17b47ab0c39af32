using System.Collections.Immutable;

namespace LogBus.Broker.Cluster;

/// <summary>
/// The cluster metadata at one point of the metadata log: brokers and topics with their partitions.
/// Immutable: applying a record returns a new image, so request handlers read a consistent image
/// without locks while the Raft driver applies the next records.
/// </summary>
internal sealed record ClusterMetadataImage
{
    /// <summary>The image of an empty log.</summary>
    public static ClusterMetadataImage Empty { get; } = new();

    /// <summary>Registered brokers by id.</summary>
    public ImmutableSortedDictionary<int, BrokerInfo> Brokers { get; init; } = ImmutableSortedDictionary<int, BrokerInfo>.Empty;

    /// <summary>Topics by name.</summary>
    public ImmutableSortedDictionary<string, TopicInfo> Topics { get; init; } = ImmutableSortedDictionary<string, TopicInfo>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The metadata log index this image includes (0: nothing).</summary>
    public long Offset { get; init; }

    /// <summary>Applies one committed record (at log index <paramref name="offset"/>). Records that no longer fit (a stale partition change, an unknown topic) change nothing but the offset.</summary>
    public ClusterMetadataImage Apply(MetadataRecord record, long offset)
    {
        switch (record.Type)
        {
            case MetadataRecordType.RegisterBroker:
                return this with
                {
                    Offset = offset,
                    Brokers = Brokers.SetItem(record.BrokerId, new BrokerInfo(record.BrokerId, record.Host, record.Port, Fenced: true)),
                };
            case MetadataRecordType.FenceBroker when Brokers.TryGetValue(record.BrokerId, out var broker):
                return this with { Offset = offset, Brokers = Brokers.SetItem(record.BrokerId, broker with { Fenced = record.Fenced }) };
            case MetadataRecordType.CreateTopic when !Topics.ContainsKey(record.Topic):
                var partitions = record.Assignments.Select(NewPartition).ToImmutableArray();
                return this with { Offset = offset, Topics = Topics.Add(record.Topic, new TopicInfo(record.Topic, record.TopicId, partitions, record.Configs)) };
            case MetadataRecordType.DeleteTopic:
                return this with { Offset = offset, Topics = Topics.Remove(record.Topic) };
            case MetadataRecordType.PartitionChange
                when Topics.TryGetValue(record.Topic, out var topic)
                && record.Partition >= 0 && record.Partition < topic.Partitions.Length
                && topic.Partitions[record.Partition].PartitionEpoch == record.ExpectedPartitionEpoch:
                var old = topic.Partitions[record.Partition];
                var changed = old with { Leader = record.Leader, Isr = record.Isr, LeaderEpoch = record.LeaderEpoch, PartitionEpoch = old.PartitionEpoch + 1 };
                return this with { Offset = offset, Topics = Topics.SetItem(topic.Name, topic with { Partitions = topic.Partitions.SetItem(record.Partition, changed) }) };
            default:
                return this with { Offset = offset };
        }
    }

    private PartitionInfo NewPartition(ImmutableArray<int> replicas)
    {
        // A new partition's ISR is its unfenced replicas (all of them when none is: empty logs are
        // all in sync), led by the first of them.
        var isr = replicas.Where(r => Brokers.TryGetValue(r, out var b) && !b.Fenced).ToImmutableArray();
        if (isr.IsEmpty)
        {
            isr = replicas;
        }

        return new PartitionInfo(replicas, isr, isr.IsEmpty ? -1 : isr[0], 0, 0);
    }

    /// <summary>The partition, or null when the topic or partition does not exist.</summary>
    public PartitionInfo? Partition(string topic, int partition) =>
        Topics.TryGetValue(topic, out var info) && partition >= 0 && partition < info.Partitions.Length ? info.Partitions[partition] : null;
}
