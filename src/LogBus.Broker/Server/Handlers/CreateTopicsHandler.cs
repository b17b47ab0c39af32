using LogBus.Broker.Cluster;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// CreateTopics (19): creates each topic with its partition count (-1: the broker default) and the
/// topic configs this broker knows (<see cref="TopicConfigs"/>). Single node: replication factor must be
/// -1 or 1 and manual assignments may only name this node. ValidateOnly checks without creating.
/// </summary>
internal sealed class CreateTopicsHandler : RequestHandler<CreateTopicsRequest>
{
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request)
    {
        if (context.Services.Replicas is not null)
        {
            return ClusterAdmin.CreateTopicsAsync(context, request); // cluster mode: through the metadata quorum
        }
        var services = context.Services;
        var response = new CreateTopicsResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = request.Topics.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var topic in request.Topics)
        {
            if (!seen.Add(topic.Name))
            {
                continue; // answered once
            }
            var result = new CreateTopicsResponse.Result { Name = topic.Name };
            response.Topics.Add(result);
            if (duplicates.Contains(topic.Name))
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, "the topic is listed more than once");
                continue;
            }
            (result.ErrorCode, result.ErrorMessage) = Create(services, topic, request.ValidateOnly);
        }
        return Done(response);
    }

    private static (ErrorCode, string?) Create(BrokerServices services, CreateTopicsRequest.Topic topic, bool validateOnly)
    {
        if (!LogManager.IsValidTopicName(topic.Name))
        {
            return (ErrorCode.InvalidTopicException, $"'{topic.Name}' is not a legal topic name: use 1-{LogManager.MaxTopicNameLength} of [a-zA-Z0-9._-]");
        }
        var partitions = topic.NumPartitions;
        if (topic.Assignments.Count > 0)
        {
            if (topic.NumPartitions != -1 || topic.ReplicationFactor != -1)
            {
                return (ErrorCode.InvalidRequest, "give either assignments or partitions and replication factor");
            }
            var indexes = topic.Assignments.Select(a => a.PartitionIndex).Order().ToList();
            if (!indexes.SequenceEqual(Enumerable.Range(0, indexes.Count)))
            {
                return (ErrorCode.InvalidReplicaAssignment, "assignments must number partitions 0..n-1");
            }
            if (topic.Assignments.Any(a => a.BrokerIds.Count != 1 || a.BrokerIds[0] != services.Metadata.NodeId))
            {
                return (ErrorCode.InvalidReplicaAssignment, $"this single-node broker can only assign node {services.Metadata.NodeId}");
            }
            partitions = indexes.Count;
        }
        else
        {
            if (partitions == -1)
            {
                partitions = services.Options.DefaultPartitions;
            }
            if (partitions < 1)
            {
                return (ErrorCode.InvalidPartitions, "the number of partitions must be at least 1");
            }
            if (topic.ReplicationFactor is not (-1 or 1))
            {
                return (ErrorCode.InvalidReplicationFactor, $"replication factor {topic.ReplicationFactor} is larger than the number of brokers (1)");
            }
        }
        var config = services.Options.DefaultLogConfig;
        foreach (var c in topic.Configs)
        {
            if (!TopicConfigs.TryApply(ref config, c.Name, c.Value, out var error))
            {
                return (ErrorCode.InvalidConfig, error);
            }
        }
        if (services.Logs.GetTopic(topic.Name) is not null)
        {
            return (ErrorCode.TopicAlreadyExists, $"topic '{topic.Name}' already exists");
        }
        if (validateOnly)
        {
            return (ErrorCode.None, null);
        }
        try
        {
            if (!services.Logs.TryCreateTopic(topic.Name, partitions, config, out _))
            {
                return (ErrorCode.TopicAlreadyExists, $"topic '{topic.Name}' already exists");
            }
        }
        catch (StorageException e)
        {
            services.LoggerFactory.CreateLogger("LogBus.Broker.Topics").LogError(e, "Creating topic {Topic} failed", topic.Name);
            return (ErrorCode.KafkaStorageError, e.Message);
        }
        services.LoggerFactory.CreateLogger("LogBus.Broker.Topics").LogInformation("Created topic {Topic} with {Partitions} partitions", topic.Name, partitions);
        return (ErrorCode.None, null);
    }
}
