namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// Splits the partitions of the subscribed topics among a group's members. Runs on the group
/// leader; must be deterministic for the same input.
/// </summary>
internal interface IPartitionAssignor
{
    /// <summary>The protocol name announced in JoinGroup (<c>range</c>, <c>roundrobin</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Assigns partitions. <paramref name="subscriptions"/>: member id → subscribed topics;
    /// <paramref name="partitionCounts"/>: topic → partitions (topics absent here get nothing).
    /// </summary>
    Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, List<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts);
}
