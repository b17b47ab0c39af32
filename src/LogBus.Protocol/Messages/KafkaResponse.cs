namespace LogBus.Protocol.Messages;

/// <summary>A response body; <see cref="Read"/> decodes any implemented response by API key.</summary>
public abstract class KafkaResponse : KafkaMessage
{
    /// <summary>
    /// Decodes the body of a response (the client knows the API key and version from its request). Check <see cref="ApiVersionTable.Check"/> first to answer unknown
    /// keys and unsupported versions without an exception; this method throws
    /// <see cref="KafkaProtocolException"/> for them (error code <see cref="ErrorCode.InvalidRequest"/>
    /// or <see cref="ErrorCode.UnsupportedVersion"/>) and for malformed bytes (<see cref="ErrorCode.CorruptMessage"/>).
    /// </summary>
    public static KafkaResponse Read(ApiKey apiKey, short version, ref KafkaReader reader)
    {
        ApiVersionTable.EnsureSupported(apiKey, version);
        return apiKey switch
        {
            ApiKey.Produce => ProduceResponse.Read(ref reader, version),
            ApiKey.Fetch => FetchResponse.Read(ref reader, version),
            ApiKey.ListOffsets => ListOffsetsResponse.Read(ref reader, version),
            ApiKey.Metadata => MetadataResponse.Read(ref reader, version),
            ApiKey.OffsetCommit => OffsetCommitResponse.Read(ref reader, version),
            ApiKey.OffsetFetch => OffsetFetchResponse.Read(ref reader, version),
            ApiKey.FindCoordinator => FindCoordinatorResponse.Read(ref reader, version),
            ApiKey.JoinGroup => JoinGroupResponse.Read(ref reader, version),
            ApiKey.Heartbeat => HeartbeatResponse.Read(ref reader, version),
            ApiKey.LeaveGroup => LeaveGroupResponse.Read(ref reader, version),
            ApiKey.SyncGroup => SyncGroupResponse.Read(ref reader, version),
            ApiKey.DescribeGroups => DescribeGroupsResponse.Read(ref reader, version),
            ApiKey.ListGroups => ListGroupsResponse.Read(ref reader, version),
            ApiKey.ApiVersions => ApiVersionsResponse.Read(ref reader, version),
            ApiKey.CreateTopics => CreateTopicsResponse.Read(ref reader, version),
            ApiKey.DeleteTopics => DeleteTopicsResponse.Read(ref reader, version),
            ApiKey.InitProducerId => InitProducerIdResponse.Read(ref reader, version),
            ApiKey.OffsetForLeaderEpoch => OffsetForLeaderEpochResponse.Read(ref reader, version),
            ApiKey.AddPartitionsToTxn => AddPartitionsToTxnResponse.Read(ref reader, version),
            ApiKey.AddOffsetsToTxn => AddOffsetsToTxnResponse.Read(ref reader, version),
            ApiKey.EndTxn => EndTxnResponse.Read(ref reader, version),
            ApiKey.TxnOffsetCommit => TxnOffsetCommitResponse.Read(ref reader, version),
            ApiKey.DescribeConfigs => DescribeConfigsResponse.Read(ref reader, version),
            ApiKey.DeleteGroups => DeleteGroupsResponse.Read(ref reader, version),
            _ => throw new KafkaProtocolException($"Unknown or unimplemented API key {(short)apiKey}.", ErrorCode.InvalidRequest),
        };
    }
}
