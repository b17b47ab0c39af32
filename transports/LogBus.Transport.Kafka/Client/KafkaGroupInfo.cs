namespace LogBus.Transport.Kafka.Client;

/// <summary>A consumer group: its state, members and committed offsets with lag.</summary>
/// <param name="GroupId">Group id.</param>
/// <param name="State">Coordinator state (Stable, PreparingRebalance, CompletingRebalance, Empty, Dead).</param>
/// <param name="ProtocolType">Protocol type (<c>consumer</c> for consumer groups).</param>
/// <param name="Protocol">The chosen assignor.</param>
/// <param name="Members">Current members.</param>
/// <param name="Offsets">Committed offsets with the partition end offsets and lag.</param>
public sealed record KafkaGroupInfo(string GroupId, string State, string ProtocolType, string Protocol, IReadOnlyList<KafkaGroupMemberInfo> Members, IReadOnlyList<KafkaPartitionLag> Offsets);
