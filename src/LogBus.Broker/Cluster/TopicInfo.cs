using System.Collections.Immutable;

namespace LogBus.Broker.Cluster;

/// <summary>A topic in the metadata log.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Id">Topic id (a new id for every incarnation of the name).</param>
/// <param name="Partitions">Per partition: replicas, ISR, leader, epochs.</param>
/// <param name="Configs">Topic-level configuration overrides (Kafka names).</param>
internal sealed record TopicInfo(string Name, Guid Id, ImmutableArray<PartitionInfo> Partitions, ImmutableDictionary<string, string> Configs);
