using System.Collections.Immutable;

namespace LogBus.Broker.Cluster;

/// <summary>The replication state of one partition in the metadata log.</summary>
/// <param name="Replicas">The replica set (assigned brokers), preferred leader first.</param>
/// <param name="Isr">The in-sync replicas (a subset of <paramref name="Replicas"/>; the leader is always in it).</param>
/// <param name="Leader">The leader's broker id; -1 when no in-sync replica is alive (unclean election is off).</param>
/// <param name="LeaderEpoch">Bumped on every leader change; stamped in batches and used for follower truncation.</param>
/// <param name="PartitionEpoch">Bumped on every change (leader or ISR); guards ISR updates against stale requests.</param>
internal sealed record PartitionInfo(ImmutableArray<int> Replicas, ImmutableArray<int> Isr, int Leader, int LeaderEpoch, int PartitionEpoch)
{
    /// <summary>Value equality (the replica and ISR arrays by content, which records do not do for <see cref="ImmutableArray{T}"/>).</summary>
    public bool Equals(PartitionInfo? other) =>
        other is not null && Leader == other.Leader && LeaderEpoch == other.LeaderEpoch && PartitionEpoch == other.PartitionEpoch
        && Replicas.SequenceEqual(other.Replicas) && Isr.SequenceEqual(other.Isr);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Leader, LeaderEpoch, PartitionEpoch, Replicas.Length, Isr.Length);
}
