namespace LogBus.Broker.Groups;

/// <summary>The states of a group (Kafka's names; DescribeGroups sends them as strings).</summary>
internal enum GroupState
{
    /// <summary>No members; may still hold committed offsets.</summary>
    Empty,

    /// <summary>Collecting JoinGroup requests for the next generation; joins are held.</summary>
    PreparingRebalance,

    /// <summary>The generation is formed; waiting for the leader's SyncGroup with the assignment.</summary>
    CompletingRebalance,

    /// <summary>Members have their assignments and heartbeat.</summary>
    Stable,

    /// <summary>Removed (deleted or expired); the object is no longer in the coordinator's map.</summary>
    Dead,
}
