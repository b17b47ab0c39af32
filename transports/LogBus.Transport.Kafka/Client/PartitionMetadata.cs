using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>One partition's leader as the cluster last described it.</summary>
/// <param name="Partition">Partition number.</param>
/// <param name="Leader">Leader node id, or -1 when it has none right now.</param>
/// <param name="LeaderEpoch">Leader epoch, or -1 when the broker does not say.</param>
/// <param name="ErrorCode">The partition-level error of the metadata response.</param>
internal readonly record struct PartitionMetadata(int Partition, int Leader, int LeaderEpoch, ErrorCode ErrorCode);
