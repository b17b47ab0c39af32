namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// One entry of the replicated metadata log: its position (<see cref="Index"/>, 1-based), the term of
/// the leader that created it, and the opaque command bytes (empty for the no-op a new leader appends).
/// </summary>
/// <param name="Index">Position in the log, starting at 1.</param>
/// <param name="Term">Term of the leader that appended it.</param>
/// <param name="Data">The command; never mutated after creation.</param>
internal readonly record struct RaftEntry(long Index, long Term, byte[] Data);
