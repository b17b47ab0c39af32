using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>Classifies Kafka error codes the way Kafka's clients do.</summary>
internal static class KafkaErrors
{
    /// <summary>Errors after which the same request may succeed later, possibly after a metadata refresh.</summary>
    public static bool IsRetriable(ErrorCode code) => code switch
    {
        ErrorCode.CorruptMessage or ErrorCode.UnknownTopicOrPartition or ErrorCode.LeaderNotAvailable
            or ErrorCode.NotLeaderOrFollower or ErrorCode.RequestTimedOut or ErrorCode.BrokerNotAvailable
            or ErrorCode.ReplicaNotAvailable or ErrorCode.NetworkException or ErrorCode.CoordinatorLoadInProgress
            or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator or ErrorCode.NotEnoughReplicas
            or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.KafkaStorageError or ErrorCode.FencedLeaderEpoch
            or ErrorCode.UnknownLeaderEpoch or ErrorCode.OffsetNotAvailable or ErrorCode.UnstableOffsetCommit
            or ErrorCode.ConcurrentTransactions => true,
        _ => false,
    };

    /// <summary>Errors that mean the client's view of partition leadership is stale.</summary>
    public static bool NeedsMetadataRefresh(ErrorCode code) => code is ErrorCode.UnknownTopicOrPartition
        or ErrorCode.LeaderNotAvailable or ErrorCode.NotLeaderOrFollower or ErrorCode.FencedLeaderEpoch
        or ErrorCode.UnknownLeaderEpoch or ErrorCode.KafkaStorageError or ErrorCode.NetworkException
        or ErrorCode.BrokerNotAvailable or ErrorCode.ReplicaNotAvailable;

    /// <summary>Errors that mean the group coordinator moved.</summary>
    public static bool IsCoordinatorError(ErrorCode code) =>
        code is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.NetworkException;
}
