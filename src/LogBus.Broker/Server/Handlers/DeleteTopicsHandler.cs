using LogBus.Broker.Cluster;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server.Handlers;

/// <summary>DeleteTopics (20): deletes each topic (its logs and producer state); unknown topics get UNKNOWN_TOPIC_OR_PARTITION.</summary>
internal sealed class DeleteTopicsHandler : RequestHandler<DeleteTopicsRequest>
{
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request)
    {
        if (context.Services.Replicas is not null)
        {
            return ClusterAdmin.DeleteTopicsAsync(context, request); // cluster mode: through the metadata quorum
        }
        var services = context.Services;
        var response = new DeleteTopicsResponse();
        foreach (var name in request.TopicNames.Distinct(StringComparer.Ordinal))
        {
            var result = new DeleteTopicsResponse.Result { Name = name };
            response.Responses.Add(result);
            var topic = services.Logs.GetTopic(name);
            try
            {
                if (topic is null || !services.Logs.DeleteTopic(name))
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                services.Producers.RemoveTopic(name, topic.Partitions);
                services.LoggerFactory.CreateLogger("LogBus.Broker.Topics").LogInformation("Deleted topic {Topic}", name);
            }
            catch (StorageException e)
            {
                services.LoggerFactory.CreateLogger("LogBus.Broker.Topics").LogError(e, "Deleting topic {Topic} failed", name);
                result.ErrorCode = ErrorCode.KafkaStorageError;
            }
        }
        return Done(response);
    }
}
