namespace LogBus.Broker.Cluster;

/// <summary>
/// Where consumer groups (and transactional ids) are coordinated in cluster mode: on the live
/// (unfenced) broker with the lowest id, so every broker's FindCoordinator names the same one and the
/// others answer group requests with NOT_COORDINATOR (clients look the coordinator up again). When that
/// broker dies the next one takes over and members rejoin there.
/// </summary>
/// <remarks>
/// Limit: committed offsets live in the coordinator's local <c>__consumer_offsets</c> and are not
/// replicated: after a coordinator failover a group restarts from the new coordinator's offsets (or
/// <c>auto.offset.reset</c>), i.e. consumers may re-read (at-least-once), never skip.
/// </remarks>
internal static class CoordinatorPlacement
{
    /// <summary>The coordinating broker's id (<paramref name="self"/> when no broker is registered yet).</summary>
    public static int CoordinatorId(ClusterMetadataImage image, int self)
    {
        foreach (var broker in image.Brokers.Values)
        {
            if (!broker.Fenced)
            {
                return broker.Id; // sorted by id
            }
        }

        return self;
    }
}
