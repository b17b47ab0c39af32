namespace LogBus.Protocol;

/// <summary>Kafka API keys (the int16 that starts every request header).</summary>
#pragma warning disable CA1028 // Wire format: API keys are int16 on the wire.
public enum ApiKey : short
#pragma warning restore CA1028
{
    /// <summary>Produce.</summary>
    Produce = 0,
    /// <summary>Fetch.</summary>
    Fetch = 1,
    /// <summary>ListOffsets.</summary>
    ListOffsets = 2,
    /// <summary>Metadata.</summary>
    Metadata = 3,
    /// <summary>LeaderAndIsr (inter-broker, ZooKeeper era).</summary>
    LeaderAndIsr = 4,
    /// <summary>StopReplica (inter-broker, ZooKeeper era).</summary>
    StopReplica = 5,
    /// <summary>UpdateMetadata (inter-broker, ZooKeeper era).</summary>
    UpdateMetadata = 6,
    /// <summary>ControlledShutdown.</summary>
    ControlledShutdown = 7,
    /// <summary>OffsetCommit.</summary>
    OffsetCommit = 8,
    /// <summary>OffsetFetch.</summary>
    OffsetFetch = 9,
    /// <summary>FindCoordinator.</summary>
    FindCoordinator = 10,
    /// <summary>JoinGroup.</summary>
    JoinGroup = 11,
    /// <summary>Heartbeat.</summary>
    Heartbeat = 12,
    /// <summary>LeaveGroup.</summary>
    LeaveGroup = 13,
    /// <summary>SyncGroup.</summary>
    SyncGroup = 14,
    /// <summary>DescribeGroups.</summary>
    DescribeGroups = 15,
    /// <summary>ListGroups.</summary>
    ListGroups = 16,
    /// <summary>SaslHandshake.</summary>
    SaslHandshake = 17,
    /// <summary>ApiVersions.</summary>
    ApiVersions = 18,
    /// <summary>CreateTopics.</summary>
    CreateTopics = 19,
    /// <summary>DeleteTopics.</summary>
    DeleteTopics = 20,
    /// <summary>DeleteRecords.</summary>
    DeleteRecords = 21,
    /// <summary>InitProducerId.</summary>
    InitProducerId = 22,
    /// <summary>OffsetForLeaderEpoch.</summary>
    OffsetForLeaderEpoch = 23,
    /// <summary>AddPartitionsToTxn.</summary>
    AddPartitionsToTxn = 24,
    /// <summary>AddOffsetsToTxn.</summary>
    AddOffsetsToTxn = 25,
    /// <summary>EndTxn.</summary>
    EndTxn = 26,
    /// <summary>WriteTxnMarkers.</summary>
    WriteTxnMarkers = 27,
    /// <summary>TxnOffsetCommit.</summary>
    TxnOffsetCommit = 28,
    /// <summary>DescribeAcls.</summary>
    DescribeAcls = 29,
    /// <summary>CreateAcls.</summary>
    CreateAcls = 30,
    /// <summary>DeleteAcls.</summary>
    DeleteAcls = 31,
    /// <summary>DescribeConfigs.</summary>
    DescribeConfigs = 32,
    /// <summary>AlterConfigs.</summary>
    AlterConfigs = 33,
    /// <summary>AlterReplicaLogDirs.</summary>
    AlterReplicaLogDirs = 34,
    /// <summary>DescribeLogDirs.</summary>
    DescribeLogDirs = 35,
    /// <summary>SaslAuthenticate.</summary>
    SaslAuthenticate = 36,
    /// <summary>CreatePartitions.</summary>
    CreatePartitions = 37,
    /// <summary>CreateDelegationToken.</summary>
    CreateDelegationToken = 38,
    /// <summary>RenewDelegationToken.</summary>
    RenewDelegationToken = 39,
    /// <summary>ExpireDelegationToken.</summary>
    ExpireDelegationToken = 40,
    /// <summary>DescribeDelegationToken.</summary>
    DescribeDelegationToken = 41,
    /// <summary>DeleteGroups.</summary>
    DeleteGroups = 42,
    /// <summary>ElectLeaders.</summary>
    ElectLeaders = 43,
    /// <summary>IncrementalAlterConfigs.</summary>
    IncrementalAlterConfigs = 44,
    /// <summary>AlterPartitionReassignments.</summary>
    AlterPartitionReassignments = 45,
    /// <summary>ListPartitionReassignments.</summary>
    ListPartitionReassignments = 46,
    /// <summary>OffsetDelete.</summary>
    OffsetDelete = 47,
    /// <summary>DescribeClientQuotas.</summary>
    DescribeClientQuotas = 48,
    /// <summary>AlterClientQuotas.</summary>
    AlterClientQuotas = 49,
    /// <summary>DescribeUserScramCredentials.</summary>
    DescribeUserScramCredentials = 50,
    /// <summary>AlterUserScramCredentials.</summary>
    AlterUserScramCredentials = 51,
    /// <summary>Vote (KRaft).</summary>
    Vote = 52,
    /// <summary>BeginQuorumEpoch (KRaft).</summary>
    BeginQuorumEpoch = 53,
    /// <summary>EndQuorumEpoch (KRaft).</summary>
    EndQuorumEpoch = 54,
    /// <summary>DescribeQuorum (KRaft).</summary>
    DescribeQuorum = 55,
    /// <summary>AlterPartition.</summary>
    AlterPartition = 56,
    /// <summary>UpdateFeatures.</summary>
    UpdateFeatures = 57,
    /// <summary>Envelope.</summary>
    Envelope = 58,
    /// <summary>FetchSnapshot (KRaft).</summary>
    FetchSnapshot = 59,
    /// <summary>DescribeCluster.</summary>
    DescribeCluster = 60,
    /// <summary>DescribeProducers.</summary>
    DescribeProducers = 61,
    /// <summary>BrokerRegistration (KRaft).</summary>
    BrokerRegistration = 62,
    /// <summary>BrokerHeartbeat (KRaft).</summary>
    BrokerHeartbeat = 63,
    /// <summary>UnregisterBroker.</summary>
    UnregisterBroker = 64,
    /// <summary>DescribeTransactions.</summary>
    DescribeTransactions = 65,
    /// <summary>ListTransactions.</summary>
    ListTransactions = 66,
    /// <summary>AllocateProducerIds.</summary>
    AllocateProducerIds = 67,
    /// <summary>ConsumerGroupHeartbeat.</summary>
    ConsumerGroupHeartbeat = 68,
}
