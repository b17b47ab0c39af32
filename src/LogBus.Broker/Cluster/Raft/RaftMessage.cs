namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// A message between Raft nodes. One class for every kind (the meaning of the fields depends on
/// <see cref="Kind"/>, see <see cref="RaftMessageKind"/>), so the transport has one encoding and the
/// simulated network in tests one queue. Messages may be lost, duplicated and reordered: the protocol
/// tolerates all three. Instances are immutable once handed to the transport.
/// </summary>
internal sealed class RaftMessage
{
    /// <summary>The kind of message.</summary>
    public required RaftMessageKind Kind { get; init; }

    /// <summary>Sender's node id.</summary>
    public required int From { get; init; }

    /// <summary>Receiver's node id.</summary>
    public required int To { get; init; }

    /// <summary>Sender's current term.</summary>
    public required long Term { get; init; }

    /// <summary>Vote request: the candidate's last index. Append request: the index before the entries. Append response: the match index (success) or the rejected previous index.</summary>
    public long LogIndex { get; init; }

    /// <summary>Vote request: the term of the candidate's last entry. Append request: the term at <see cref="LogIndex"/>.</summary>
    public long LogTerm { get; init; }

    /// <summary>Append request: the leader's commit index.</summary>
    public long Commit { get; init; }

    /// <summary>Vote granted, or append accepted.</summary>
    public bool Success { get; init; }

    /// <summary>Rejected append: the highest index the follower might match (the leader resends from here + 1).</summary>
    public long RejectHint { get; init; }

    /// <summary>Append request: the entries (may be empty: a heartbeat).</summary>
    public IReadOnlyList<RaftEntry> Entries { get; init; } = [];

    /// <summary>Snapshot request: the snapshot.</summary>
    public RaftSnapshot? Snapshot { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Kind} {From}->{To} t{Term} idx{LogIndex} lt{LogTerm} c{Commit} ok{Success} hint{RejectHint} n{Entries.Count}{(Snapshot is null ? "" : $" snap@{Snapshot.Index}")}";
}
