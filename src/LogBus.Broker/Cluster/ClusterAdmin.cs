using System.Collections.Immutable;
using LogBus.Broker.Groups;
using LogBus.Broker.Server;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Cluster;

/// <summary>
/// The cluster-mode answers of the metadata and topic-admin APIs: Metadata from the replicated image
/// (every live broker, every partition's leader, replicas, ISR and leader epoch), CreateTopics and
/// DeleteTopics (and auto-creation) as records through the metadata quorum. Handlers delegate here
/// when <see cref="BrokerServices.Replicas"/> is set; the single-node paths are unchanged.
/// </summary>
internal static class ClusterAdmin
{
    private static readonly TimeSpan SubmitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Answers a Metadata request from the image, auto-creating unknown topics when allowed.</summary>
    public static async ValueTask<KafkaResponse?> MetadataAsync(RequestContext context, MetadataRequest request)
    {
        var services = context.Services;
        var quorum = services.Replicas!.Quorum;
        if (request.Topics is not null)
        {
            var autoCreate = services.Options.AutoCreateTopics && (context.ApiVersion < 4 || request.AllowAutoTopicCreation);
            foreach (var name in request.Topics.Where(n => !quorum.Image.Topics.ContainsKey(n)).Distinct(StringComparer.Ordinal))
            {
                if (autoCreate && LogManager.IsValidTopicName(name) && !InternalTopics.IsInternal(name))
                {
                    await CreateAsync(services, name, services.Options.DefaultPartitions, services.Options.DefaultReplicationFactor, ImmutableDictionary<string, string>.Empty, validateOnly: false, context.CancellationToken).ConfigureAwait(false);
                }
            }
        }

        var image = quorum.Image;
        var response = new MetadataResponse { ClusterId = services.Metadata.ClusterId, ControllerId = quorum.LeaderId == 0 ? -1 : quorum.LeaderId };
        foreach (var broker in image.Brokers.Values.Where(b => !b.Fenced))
        {
            response.Brokers.Add(new MetadataResponse.Broker { NodeId = broker.Id, Host = broker.Host, Port = broker.Port });
        }

        if (response.Brokers.Count == 0)
        {
            // Not registered yet (quorum forming): name ourselves so clients keep a bootstrap broker.
            response.Brokers.Add(new MetadataResponse.Broker { NodeId = services.Metadata.NodeId, Host = services.Metadata.Host, Port = services.Metadata.Port });
        }

        var names = request.Topics ?? [.. image.Topics.Keys];
        foreach (var name in names)
        {
            if (!image.Topics.TryGetValue(name, out var topic))
            {
                response.Topics.Add(new MetadataResponse.Topic
                {
                    Name = name,
                    ErrorCode = LogManager.IsValidTopicName(name) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException,
                });
                continue;
            }

            var result = new MetadataResponse.Topic { Name = name, IsInternal = InternalTopics.IsInternal(name) };
            for (var p = 0; p < topic.Partitions.Length; p++)
            {
                var info = topic.Partitions[p];
                if (!quorum.IsCaughtUp)
                {
                    // Not caught up with the metadata log (restart): leaders here may be stale.
                    result.Partitions.Add(new MetadataResponse.Partition { PartitionIndex = p, ErrorCode = ErrorCode.LeaderNotAvailable, LeaderId = -1, ReplicaNodes = [.. info.Replicas], IsrNodes = [.. info.Isr] });
                    continue;
                }

                result.Partitions.Add(new MetadataResponse.Partition
                {
                    PartitionIndex = p,
                    ErrorCode = info.Leader < 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.None,
                    LeaderId = info.Leader,
                    LeaderEpoch = info.LeaderEpoch,
                    ReplicaNodes = [.. info.Replicas],
                    IsrNodes = [.. info.Isr],
                    OfflineReplicas = [.. info.Replicas.Where(r => !image.Brokers.TryGetValue(r, out var b) || b.Fenced)],
                });
            }

            response.Topics.Add(result);
        }

        return response;
    }

    /// <summary>Creates a topic through the quorum: replicas assigned over the live brokers, leader = first replica.</summary>
    public static async Task<(ErrorCode, string?)> CreateAsync(BrokerServices services, string name, int partitions, int replicationFactor, ImmutableDictionary<string, string> configs, bool validateOnly, CancellationToken cancellationToken)
    {
        var quorum = services.Replicas!.Quorum;
        var image = quorum.Image;
        if (image.Topics.ContainsKey(name))
        {
            return (ErrorCode.TopicAlreadyExists, $"topic '{name}' already exists");
        }

        var assignment = ControllerDecisions.Assign(image, partitions, replicationFactor, seed: name.GetHashCode(StringComparison.Ordinal));
        if (assignment is null)
        {
            return (ErrorCode.InvalidReplicationFactor, $"replication factor {replicationFactor} is larger than the number of registered brokers ({image.Brokers.Count})");
        }

        if (validateOnly)
        {
            return (ErrorCode.None, null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SubmitTimeout);
        var id = Guid.NewGuid();
        try
        {
            await quorum.SubmitAsync(new MetadataRecord { Type = MetadataRecordType.CreateTopic, Topic = name, TopicId = id, Assignments = assignment.Value, Configs = configs }, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (ErrorCode.RequestTimedOut, "the metadata quorum did not commit the topic in time");
        }

        return quorum.Image.Topics.TryGetValue(name, out var created) && created.Id == id
            ? (ErrorCode.None, null)
            : (ErrorCode.TopicAlreadyExists, $"topic '{name}' already exists");
    }

    /// <summary>CreateTopics in cluster mode.</summary>
    public static async ValueTask<KafkaResponse?> CreateTopicsAsync(RequestContext context, CreateTopicsRequest request)
    {
        var services = context.Services;
        var response = new CreateTopicsResponse();
        foreach (var group in request.Topics.GroupBy(t => t.Name, StringComparer.Ordinal))
        {
            var topic = group.First();
            var result = new CreateTopicsResponse.Result { Name = topic.Name };
            response.Topics.Add(result);
            if (group.Count() > 1)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, "the topic is listed more than once");
                continue;
            }

            if (!LogManager.IsValidTopicName(topic.Name))
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidTopicException, $"'{topic.Name}' is not a legal topic name");
                continue;
            }

            if (topic.Assignments.Count > 0)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidReplicaAssignment, "explicit replica assignments are not supported; give partitions and replication factor");
                continue;
            }

            var partitions = topic.NumPartitions == -1 ? services.Options.DefaultPartitions : topic.NumPartitions;
            var replicationFactor = topic.ReplicationFactor == -1 ? services.Options.DefaultReplicationFactor : topic.ReplicationFactor;
            if (partitions < 1)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidPartitions, "the number of partitions must be at least 1");
                continue;
            }

            var config = services.Options.DefaultLogConfig;
            var configs = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            string? error = null;
            foreach (var c in topic.Configs)
            {
                if (!TopicConfigs.TryApply(ref config, c.Name, c.Value, out error))
                {
                    break;
                }

                if (c.Value is not null)
                {
                    configs[c.Name] = c.Value;
                }
            }

            if (error is not null)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidConfig, error);
                continue;
            }

            (result.ErrorCode, result.ErrorMessage) = await CreateAsync(services, topic.Name, partitions, replicationFactor, configs.ToImmutable(), request.ValidateOnly, context.CancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>DeleteTopics in cluster mode (each replica deletes its logs when it applies the record).</summary>
    public static async ValueTask<KafkaResponse?> DeleteTopicsAsync(RequestContext context, DeleteTopicsRequest request)
    {
        var quorum = context.Services.Replicas!.Quorum;
        var response = new DeleteTopicsResponse();
        foreach (var name in request.TopicNames.Distinct(StringComparer.Ordinal))
        {
            var result = new DeleteTopicsResponse.Result { Name = name };
            response.Responses.Add(result);
            if (!quorum.Image.Topics.ContainsKey(name))
            {
                result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                continue;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            timeout.CancelAfter(SubmitTimeout);
            try
            {
                await quorum.SubmitAsync(new MetadataRecord { Type = MetadataRecordType.DeleteTopic, Topic = name }, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                result.ErrorCode = ErrorCode.RequestTimedOut;
            }
        }

        return response;
    }
}
