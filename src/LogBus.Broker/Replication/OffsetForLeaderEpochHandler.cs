using LogBus.Broker.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Replication;

/// <summary>
/// OffsetForLeaderEpoch (23), registered in cluster mode only: for each partition this broker leads,
/// the end offset of the requested epoch in its log (the start of the next larger epoch, or its log
/// end for its latest epoch) and the largest epoch ≤ the requested one. Followers truncate to it after
/// a leader change; clients use it to detect log divergence.
/// </summary>
internal sealed class OffsetForLeaderEpochHandler : RequestHandler<OffsetForLeaderEpochRequest>
{
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new OffsetForLeaderEpochResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            foreach (var partition in topic.Partitions)
            {
                var result = new OffsetForLeaderEpochResponse.Partition { PartitionIndex = partition.PartitionIndex };
                topicResult.Partitions.Add(result);
                result.ErrorCode = LeaderCheck.Check(context.Services, topic.Name, partition.PartitionIndex, partition.CurrentLeaderEpoch, out var replica);
                if (result.ErrorCode != ErrorCode.None || replica is null)
                {
                    if (result.ErrorCode == ErrorCode.None)
                    {
                        result.ErrorCode = ErrorCode.NotLeaderOrFollower;
                    }

                    continue;
                }

                try
                {
                    var end = replica.Log.EndOffsetForEpoch(partition.LeaderEpoch);
                    result.LeaderEpoch = end.LeaderEpoch;
                    result.EndOffset = end.EndOffset;
                }
                catch (ObjectDisposedException)
                {
                    result.ErrorCode = ErrorCode.NotLeaderOrFollower;
                }
            }
        }

        return Done(response);
    }
}
