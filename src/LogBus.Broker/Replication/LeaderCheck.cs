using LogBus.Broker.Server;
using LogBus.Protocol;

namespace LogBus.Broker.Replication;

/// <summary>
/// The leadership check of the data-plane handlers (Produce, Fetch, ListOffsets) in cluster mode:
/// requests for a partition this broker does not lead get NOT_LEADER_OR_FOLLOWER (the client refreshes
/// its metadata), a client epoch older than ours FENCED_LEADER_EPOCH and a newer one
/// UNKNOWN_LEADER_EPOCH (we have not seen that metadata yet), as Kafka. On a single-node broker every
/// partition is led here in epoch 0.
/// </summary>
internal static class LeaderCheck
{
    /// <summary>Checks that this broker leads <paramref name="topic"/>-<paramref name="partition"/>; <paramref name="replica"/> is null on a single-node broker.</summary>
    /// <param name="services">Broker services.</param>
    /// <param name="topic">Topic.</param>
    /// <param name="partition">Partition.</param>
    /// <param name="currentLeaderEpoch">The client's leader epoch (-1: not given).</param>
    /// <param name="replica">The replica when in cluster mode and leading.</param>
    public static ErrorCode Check(BrokerServices services, string topic, int partition, int currentLeaderEpoch, out PartitionReplica? replica)
    {
        replica = null;
        if (services.Replicas is not { } replicas)
        {
            return ErrorCode.None;
        }

        replica = replicas.Get(topic, partition);
        if (replica is null)
        {
            return replicas.Quorum.Image.Partition(topic, partition) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.NotLeaderOrFollower;
        }

        var epoch = replica.LeaderEpoch;
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < epoch)
        {
            return ErrorCode.FencedLeaderEpoch;
        }

        if (currentLeaderEpoch > epoch)
        {
            return ErrorCode.UnknownLeaderEpoch;
        }

        return replica.IsLeader ? ErrorCode.None : ErrorCode.NotLeaderOrFollower;
    }

    /// <summary>The leader epoch to stamp and report: the replica's, or 0 on a single node.</summary>
    public static int EpochOf(PartitionReplica? replica) => replica?.LeaderEpoch ?? BrokerServices.LeaderEpoch;
}
