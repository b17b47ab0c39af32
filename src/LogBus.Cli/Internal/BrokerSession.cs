using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Transport;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Cli.Internal;

/// <summary>
/// One command's connection to a cluster: the managed client's connections and metadata, plus the
/// admin requests the tool needs. Every call is bounded by the command's cancellation token (the
/// <c>--request-timeout</c>).
/// </summary>
internal sealed class BrokerSession : IAsyncDisposable
{
    private readonly KafkaCluster _cluster;
    private readonly KafkaAdminClient _admin;

    public BrokerSession(KafkaClientOptions options)
    {
        Options = options;
        _cluster = new KafkaCluster(options);
        _admin = new KafkaAdminClient(_cluster, ownsCluster: false);
    }

    public KafkaClientOptions Options { get; }

    public KafkaAdminClient Admin => _admin;

    /// <summary>Every topic of the cluster (a Metadata request for all topics).</summary>
    public async Task<MetadataResponse> MetadataAsync(IReadOnlyList<string>? topics, CancellationToken cancellationToken)
    {
        var connection = await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
        var request = new MetadataRequest { Topics = topics?.ToList(), AllowAutoTopicCreation = false };
        return await connection.SendAsync<MetadataResponse>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The topic's metadata; a <see cref="CliException"/> when it does not exist.</summary>
    public async Task<MetadataResponse.Topic> RequireTopicAsync(string name, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync([name], cancellationToken).ConfigureAwait(false);
        var topic = metadata.Topics.Find(t => t.Name == name);
        if (topic is null || topic.ErrorCode == ErrorCode.UnknownTopicOrPartition || (topic.ErrorCode == ErrorCode.None && topic.Partitions.Count == 0))
        {
            throw new CliException($"unknown topic '{name}'");
        }
        if (topic.ErrorCode != ErrorCode.None)
        {
            throw new KafkaException(topic.ErrorCode, $"topic '{name}' is not available");
        }
        return topic;
    }

    /// <summary>
    /// The earliest (<paramref name="timestamp"/> -2) or latest (-1) offset of each partition, asked of
    /// each partition's leader.
    /// </summary>
    public async Task<Dictionary<int, long>> OffsetsAsync(string topic, IEnumerable<int> partitions, long timestamp, CancellationToken cancellationToken)
    {
        var metadata = await _cluster.RefreshAsync(cancellationToken, [topic]).ConfigureAwait(false);
        var result = new Dictionary<int, long>();
        foreach (var byLeader in partitions.GroupBy(p => metadata.LeaderOf(topic, p)))
        {
            if (byLeader.Key < 0)
            {
                continue; // no leader right now: the offsets stay unknown
            }
            var connection = await _cluster.GetConnectionAsync(byLeader.Key, cancellationToken).ConfigureAwait(false);
            var request = new ListOffsetsRequest
            {
                Topics = [new ListOffsetsRequest.Topic { Name = topic, Partitions = byLeader.Select(p => new ListOffsetsRequest.Partition { PartitionIndex = p, Timestamp = timestamp }).ToList() }],
            };
            var response = await connection.SendAsync<ListOffsetsResponse>(request, cancellationToken).ConfigureAwait(false);
            foreach (var p in response.Topics.SelectMany(t => t.Partitions).Where(p => p.ErrorCode == ErrorCode.None))
            {
                result[p.PartitionIndex] = p.Offset;
            }
        }
        return result;
    }

    /// <summary>Creates a topic with configs and waits (bounded by the token) until every partition has a leader.</summary>
    public async Task<int> CreateTopicAsync(string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string> configs, bool ifNotExists, CancellationToken cancellationToken)
    {
        var metadata = _cluster.Metadata.Brokers.Count > 0 ? _cluster.Metadata : await _cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var connection = metadata.ControllerId >= 0 && metadata.Brokers.ContainsKey(metadata.ControllerId)
            ? await _cluster.GetConnectionAsync(metadata.ControllerId, cancellationToken).ConfigureAwait(false)
            : await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.RequireVersion(ApiKey.CreateTopics);
        var request = new CreateTopicsRequest
        {
            TimeoutMs = (int)Math.Min(Options.RequestTimeout.TotalMilliseconds, int.MaxValue),
            Topics =
            [
                new CreateTopicsRequest.Topic
                {
                    Name = name,
                    NumPartitions = partitions,
                    // Before v4 the broker default (-1) is not allowed: one replica.
                    ReplicationFactor = replicationFactor < 0 && version < 4 ? (short)1 : replicationFactor,
                    Configs = configs.Select(c => new CreateTopicsRequest.Config { Name = c.Key, Value = c.Value }).ToList(),
                },
            ],
        };
        var response = await connection.SendAsync<CreateTopicsResponse>(request, cancellationToken).ConfigureAwait(false);
        var result = response.Topics.Find(t => t.Name == name) ?? throw new CliException($"the broker did not answer for topic '{name}'");
        if (result.ErrorCode == ErrorCode.TopicAlreadyExists && !ifNotExists)
        {
            throw new CliException($"topic '{name}' already exists");
        }
        if (result.ErrorCode is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
        {
            throw new KafkaException(result.ErrorCode, $"creating topic '{name}' failed{(result.ErrorMessage is { Length: > 0 } m ? ": " + m : "")}");
        }
        // The topic exists once every partition has a leader in the metadata.
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var topic = (await MetadataAsync([name], cancellationToken).ConfigureAwait(false)).Topics.Find(t => t.Name == name);
            if (topic is { ErrorCode: ErrorCode.None, Partitions.Count: > 0 } && topic.Partitions.All(p => p.LeaderId >= 0))
            {
                return topic.Partitions.Count;
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
        }
    }

    /// <summary>Deletes a topic; a <see cref="CliException"/> when it does not exist.</summary>
    public async Task DeleteTopicAsync(string name, CancellationToken cancellationToken)
    {
        var metadata = _cluster.Metadata.Brokers.Count > 0 ? _cluster.Metadata : await _cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var connection = metadata.ControllerId >= 0 && metadata.Brokers.ContainsKey(metadata.ControllerId)
            ? await _cluster.GetConnectionAsync(metadata.ControllerId, cancellationToken).ConfigureAwait(false)
            : await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
        var response = await connection.SendAsync<DeleteTopicsResponse>(
            new DeleteTopicsRequest { TopicNames = [name], TimeoutMs = (int)Math.Min(Options.RequestTimeout.TotalMilliseconds, int.MaxValue) }, cancellationToken).ConfigureAwait(false);
        var result = response.Responses.Find(r => r.Name == name);
        switch (result?.ErrorCode)
        {
            case ErrorCode.None:
                return;
            case ErrorCode.UnknownTopicOrPartition:
                throw new CliException($"unknown topic '{name}'");
            case null:
                throw new CliException($"the broker did not answer for topic '{name}'");
            default:
                throw new KafkaException(result.ErrorCode, $"deleting topic '{name}' failed");
        }
    }

    /// <summary>Waits for the first successful metadata answer: tells an unreachable cluster early and clearly.</summary>
    public Task ConnectAsync(CancellationToken cancellationToken) => _cluster.RefreshAsync(cancellationToken);

    /// <summary>The end offset of each partition (for lag).</summary>
    public Task<Dictionary<TopicPartition, long>> EndOffsetsAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken) =>
        _admin.EndOffsetsAsync(partitions, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _admin.DisposeAsync().ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
    }
}
