namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// A snapshot of the applied state machine: it replaces every log entry up to and including
/// <see cref="Index"/> (whose term was <see cref="Term"/>). <see cref="Data"/> is the state machine's own
/// encoding; Raft never looks inside.
/// </summary>
/// <param name="Index">Last log index the snapshot covers (0: the empty snapshot).</param>
/// <param name="Term">Term of the entry at <paramref name="Index"/>.</param>
/// <param name="Data">The encoded state.</param>
internal sealed record RaftSnapshot(long Index, long Term, byte[] Data)
{
    /// <summary>The snapshot of an empty log.</summary>
    public static RaftSnapshot Empty { get; } = new(0, 0, []);
}
