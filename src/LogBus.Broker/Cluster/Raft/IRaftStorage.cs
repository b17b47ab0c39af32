namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// Durable storage of one Raft node: the hard state (term, vote), the log and the snapshot.
/// <see cref="RaftNode"/> calls these synchronously <em>before</em> it emits any message that depends on
/// them (a vote, an append acknowledgement), so each call must be durable (fsynced) when it returns.
/// Called from the node's single driver thread only.
/// </summary>
internal interface IRaftStorage
{
    /// <summary>Persists the current term and the vote cast in it (0: none).</summary>
    void SaveHardState(long term, int votedFor);

    /// <summary>Removes every entry with index ≥ <paramref name="fromIndex"/> (if any), then appends <paramref name="entries"/> (contiguous, starting at <paramref name="fromIndex"/>).</summary>
    void Append(long fromIndex, IReadOnlyList<RaftEntry> entries);

    /// <summary>Persists <paramref name="snapshot"/> and drops the entries it covers; when <paramref name="keepSuffix"/> is false every entry is dropped.</summary>
    void SaveSnapshot(RaftSnapshot snapshot, bool keepSuffix);
}
