namespace LogBus.Broker.Groups;

/// <summary>
/// What a CLI shows for one group: its members with their decoded assignments and, per partition, the
/// committed offset, the log end (high watermark) and the lag. Produced by
/// <see cref="GroupCoordinator.DescribeGroupWithLag"/>; the same data is available over the wire
/// through DescribeGroups, OffsetFetch and ListOffsets.
/// </summary>
/// <param name="GroupId">The group id.</param>
/// <param name="State">Kafka's state name (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead).</param>
/// <param name="ProtocolType">The protocol type (e.g. consumer), empty for simple groups.</param>
/// <param name="Protocol">The chosen assignor, or empty.</param>
/// <param name="GenerationId">The current generation.</param>
/// <param name="LeaderId">The leader's member id, or empty.</param>
/// <param name="Members">The members.</param>
/// <param name="Partitions">Every partition that is committed or assigned, ordered by topic and partition.</param>
internal sealed record GroupDescription(
    string GroupId,
    string State,
    string ProtocolType,
    string Protocol,
    int GenerationId,
    string LeaderId,
    IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<GroupPartitionLag> Partitions);
