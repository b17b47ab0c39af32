namespace LogBus.Protocol.Messages;

/// <summary>A request body; <see cref="Read"/> decodes any implemented request by API key.</summary>
public abstract class KafkaRequest : KafkaMessage
{
    /// <summary>
    /// Decodes the body of a request. Check <see cref="ApiVersionTable.Check"/> first to answer unknown
    /// keys and unsupported versions without an exception; this method throws
    /// <see cref="KafkaProtocolException"/> for them (error code <see cref="ErrorCode.InvalidRequest"/>
    /// or <see cref="ErrorCode.UnsupportedVersion"/>) and for malformed bytes (<see cref="ErrorCode.CorruptMessage"/>).
    /// </summary>
    public static KafkaRequest Read(ApiKey apiKey, short version, ref KafkaReader reader)
    {
        ApiVersionTable.EnsureSupported(apiKey, version);
        return apiKey switch
        {
            ApiKey.Produce => ProduceRequest.Read(ref reader, version),
            ApiKey.Fetch => FetchRequest.Read(ref reader, version),
            ApiKey.ListOffsets => ListOffsetsRequest.Read(ref reader, version),
            ApiKey.Metadata => MetadataRequest.Read(ref reader, version),
            ApiKey.OffsetCommit => OffsetCommitRequest.Read(ref reader, version),
            ApiKey.OffsetFetch => OffsetFetchRequest.Read(ref reader, version),
            ApiKey.FindCoordinator => FindCoordinatorRequest.Read(ref reader, version),
            ApiKey.JoinGroup => JoinGroupRequest.Read(ref reader, version),
            ApiKey.Heartbeat => HeartbeatRequest.Read(ref reader, version),
            ApiKey.LeaveGroup => LeaveGroupRequest.Read(ref reader, version),
            ApiKey.SyncGroup => SyncGroupRequest.Read(ref reader, version),
            ApiKey.DescribeGroups => DescribeGroupsRequest.Read(ref reader, version),
            ApiKey.ListGroups => ListGroupsRequest.Read(ref reader, version),
            ApiKey.ApiVersions => ApiVersionsRequest.Read(ref reader, version),
            ApiKey.CreateTopics => CreateTopicsRequest.Read(ref reader, version),
            ApiKey.DeleteTopics => DeleteTopicsRequest.Read(ref reader, version),
            ApiKey.InitProducerId => InitProducerIdRequest.Read(ref reader, version),
            ApiKey.OffsetForLeaderEpoch => OffsetForLeaderEpochRequest.Read(ref reader, version),
            ApiKey.AddPartitionsToTxn => AddPartitionsToTxnRequest.Read(ref reader, version),
            ApiKey.AddOffsetsToTxn => AddOffsetsToTxnRequest.Read(ref reader, version),
            ApiKey.EndTxn => EndTxnRequest.Read(ref reader, version),
            ApiKey.TxnOffsetCommit => TxnOffsetCommitRequest.Read(ref reader, version),
            ApiKey.DescribeConfigs => DescribeConfigsRequest.Read(ref reader, version),
            ApiKey.DeleteGroups => DeleteGroupsRequest.Read(ref reader, version),
            _ => throw new KafkaProtocolException($"Unknown or unimplemented API key {(short)apiKey}.", ErrorCode.InvalidRequest),
        };
    }
}
