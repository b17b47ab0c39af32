using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>A topic's partitions as the cluster last described them.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partitions indexed by partition number.</param>
/// <param name="ErrorCode">The topic-level error of the metadata response.</param>
internal sealed record TopicMetadata(string Name, PartitionMetadata[] Partitions, ErrorCode ErrorCode);
