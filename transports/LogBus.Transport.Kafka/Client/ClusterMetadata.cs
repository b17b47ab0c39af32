namespace LogBus.Transport.Kafka.Client;

/// <summary>An immutable snapshot of the cluster: brokers and the topics the client asked about.</summary>
internal sealed class ClusterMetadata(IReadOnlyDictionary<int, BrokerEndpoint> brokers, IReadOnlyDictionary<string, TopicMetadata> topics, int controllerId, long version)
{
    public static ClusterMetadata Empty { get; } = new(new Dictionary<int, BrokerEndpoint>(), new Dictionary<string, TopicMetadata>(StringComparer.Ordinal), -1, 0);

    public IReadOnlyDictionary<int, BrokerEndpoint> Brokers { get; } = brokers;

    public IReadOnlyDictionary<string, TopicMetadata> Topics { get; } = topics;

    public int ControllerId { get; } = controllerId;

    /// <summary>Increases with every refresh.</summary>
    public long Version { get; } = version;

    public TopicMetadata? GetTopic(string name) => Topics.TryGetValue(name, out var t) ? t : null;

    /// <summary>The leader of a partition, or -1 when unknown.</summary>
    public int LeaderOf(string topic, int partition)
    {
        var t = GetTopic(topic);
        return t is not null && (uint)partition < (uint)t.Partitions.Length ? t.Partitions[partition].Leader : -1;
    }
}
