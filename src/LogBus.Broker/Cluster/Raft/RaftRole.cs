namespace LogBus.Broker.Cluster.Raft;

/// <summary>The role of a Raft node in its current term.</summary>
internal enum RaftRole
{
    /// <summary>Follows a leader (or waits for one); votes; starts an election when the leader is silent.</summary>
    Follower,

    /// <summary>Asks for votes in a new term.</summary>
    Candidate,

    /// <summary>Replicates its log and decides the commit index.</summary>
    Leader,
}
