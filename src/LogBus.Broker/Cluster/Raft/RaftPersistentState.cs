namespace LogBus.Broker.Cluster.Raft;

/// <summary>What a node recovers from its storage at start: hard state, snapshot and the entries after it.</summary>
/// <param name="Term">The last persisted term.</param>
/// <param name="VotedFor">The vote cast in that term (0: none).</param>
/// <param name="Snapshot">The latest snapshot (<see cref="RaftSnapshot.Empty"/> when none).</param>
/// <param name="Entries">Entries after the snapshot, contiguous from <c>Snapshot.Index + 1</c>.</param>
internal sealed record RaftPersistentState(long Term, int VotedFor, RaftSnapshot Snapshot, IReadOnlyList<RaftEntry> Entries)
{
    /// <summary>The state of a node that never ran.</summary>
    public static RaftPersistentState Empty { get; } = new(0, 0, RaftSnapshot.Empty, []);
}
