using LogBus.Broker.Cluster;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// Metadata (3): this broker, and every requested topic (all topics for a null list) with this broker
/// as leader and only replica of each partition. Unknown topics are created when auto creation is on
/// (broker option, and the request's AllowAutoTopicCreation from v4) with the default partition count;
/// they are answered at once with their partitions (creation is synchronous).
/// </summary>
internal sealed class MetadataHandler : RequestHandler<MetadataRequest>
{
    public override ApiKey ApiKey => ApiKey.Metadata;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, MetadataRequest request)
    {
        if (context.Services.Replicas is not null)
        {
            return ClusterAdmin.MetadataAsync(context, request); // cluster mode: the replicated metadata
        }
        var services = context.Services;
        var metadata = services.Metadata;
        var response = new MetadataResponse
        {
            ClusterId = metadata.ClusterId,
            ControllerId = metadata.NodeId,
        };
        response.Brokers.Add(new MetadataResponse.Broker { NodeId = metadata.NodeId, Host = metadata.Host, Port = metadata.Port });
        var logs = services.Logs;
        if (request.Topics is null)
        {
            foreach (var name in logs.TopicNames.Order(StringComparer.Ordinal))
            {
                if (logs.GetTopic(name) is { } topic)
                {
                    response.Topics.Add(Describe(topic, metadata.NodeId));
                }
            }
            return Done(response);
        }
        var autoCreate = services.Options.AutoCreateTopics && (context.ApiVersion < 4 || request.AllowAutoTopicCreation);
        foreach (var name in request.Topics)
        {
            var topic = logs.GetTopic(name);
            if (topic is null && autoCreate && LogManager.IsValidTopicName(name))
            {
                try
                {
                    if (logs.TryCreateTopic(name, services.Options.DefaultPartitions, null, out var created))
                    {
                        services.LoggerFactory.CreateLogger("LogBus.Broker.Topics")
                            .LogInformation("Auto-created topic {Topic} with {Partitions} partitions", name, created.Partitions);
                    }
                    topic = created;
                }
                catch (StorageException e)
                {
                    services.LoggerFactory.CreateLogger("LogBus.Broker.Topics").LogError(e, "Auto-creating topic {Topic} failed", name);
                    response.Topics.Add(new MetadataResponse.Topic { Name = name, ErrorCode = ErrorCode.KafkaStorageError });
                    continue;
                }
            }
            if (topic is null)
            {
                response.Topics.Add(new MetadataResponse.Topic
                {
                    Name = name,
                    ErrorCode = LogManager.IsValidTopicName(name) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException,
                });
                continue;
            }
            response.Topics.Add(Describe(topic, metadata.NodeId));
        }
        return Done(response);
    }

    private static MetadataResponse.Topic Describe(TopicDescription topic, int nodeId)
    {
        var result = new MetadataResponse.Topic { Name = topic.Name, IsInternal = InternalTopics.IsInternal(topic.Name) };
        for (var p = 0; p < topic.Partitions; p++)
        {
            result.Partitions.Add(new MetadataResponse.Partition
            {
                PartitionIndex = p,
                LeaderId = nodeId,
                LeaderEpoch = BrokerServices.LeaderEpoch,
                ReplicaNodes = [nodeId],
                IsrNodes = [nodeId],
            });
        }
        return result;
    }
}
