namespace LogBus.Broker.Cluster.Raft;

/// <summary>The Raft RPCs (requests and their responses travel as separate one-way messages).</summary>
internal enum RaftMessageKind : byte
{
    /// <summary>Candidate asks for a vote: <see cref="RaftMessage.LogIndex"/>/<see cref="RaftMessage.LogTerm"/> describe its last entry.</summary>
    VoteRequest = 1,

    /// <summary>Answer to a vote request: <see cref="RaftMessage.Success"/> when granted.</summary>
    VoteResponse = 2,

    /// <summary>Leader replicates entries after (<see cref="RaftMessage.LogIndex"/>, <see cref="RaftMessage.LogTerm"/>); also the heartbeat.</summary>
    AppendRequest = 3,

    /// <summary>Answer to an append: on success <see cref="RaftMessage.LogIndex"/> is the follower's match index; on rejection it is the rejected previous index and <see cref="RaftMessage.RejectHint"/> the follower's hint.</summary>
    AppendResponse = 4,

    /// <summary>Leader sends its whole snapshot (<see cref="RaftMessage.Snapshot"/>) to a follower that lags behind the compacted log.</summary>
    SnapshotRequest = 5,
}
