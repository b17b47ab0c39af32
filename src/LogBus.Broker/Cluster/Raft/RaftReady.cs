namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// Work the driver of a <see cref="RaftNode"/> must do after feeding it input: restore a snapshot (when
/// set, before applying the entries), apply committed entries in order, and send messages. Everything
/// here was already persisted by the node.
/// </summary>
/// <param name="Messages">Messages to send (best effort: losing them is safe).</param>
/// <param name="Snapshot">A snapshot received from the leader that replaces the state machine, or null.</param>
/// <param name="Committed">Newly committed entries, in index order, to apply to the state machine.</param>
internal sealed record RaftReady(IReadOnlyList<RaftMessage> Messages, RaftSnapshot? Snapshot, IReadOnlyList<RaftEntry> Committed)
{
    /// <summary>Whether there is nothing to do.</summary>
    public bool IsEmpty => Messages.Count == 0 && Snapshot is null && Committed.Count == 0;
}
