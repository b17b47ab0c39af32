using System.Diagnostics;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// Topic and group administration over the Kafka protocol: create, delete and describe topics; list
/// groups and describe them with their members, committed offsets and lag. Thread-safe.
/// </summary>
public sealed class KafkaAdminClient : IAsyncDisposable
{
    private readonly KafkaCluster _cluster;
    private readonly bool _ownsCluster;

    /// <summary>Creates an admin client with its own connections.</summary>
    public KafkaAdminClient(KafkaClientOptions options, ILoggerFactory? loggerFactory = null)
        : this(new KafkaCluster(options ?? throw new ArgumentNullException(nameof(options)), loggerFactory), ownsCluster: true)
    {
    }

    internal KafkaAdminClient(KafkaCluster cluster, bool ownsCluster)
    {
        _cluster = cluster;
        _ownsCluster = ownsCluster;
    }

    /// <summary>
    /// Creates a topic and waits until every partition has a leader. An existing topic is left as it
    /// is; the result is its actual partition count either way.
    /// </summary>
    /// <param name="name">Topic name.</param>
    /// <param name="partitions">Partitions of a new topic.</param>
    /// <param name="replicationFactor">Replicas per partition; -1 lets the broker decide.</param>
    /// <param name="timeout">How long to wait for the topic to be ready. Defaults to 30 seconds.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<int> CreateTopicAsync(string name, int partitions, short replicationFactor = -1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var started = Stopwatch.GetTimestamp();
        var existing = await _cluster.GetTopicAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var connection = await ControllerAsync(cancellationToken).ConfigureAwait(false);
            var version = connection.RequireVersion(ApiKey.CreateTopics);
            var request = new CreateTopicsRequest
            {
                TimeoutMs = (int)limit.TotalMilliseconds,
                Topics = [new CreateTopicsRequest.Topic { Name = name, NumPartitions = partitions, ReplicationFactor = replicationFactor < 0 && version < 4 ? (short)1 : replicationFactor }],
            };
            var response = await connection.SendAsync<CreateTopicsResponse>(request, cancellationToken, extraWait: limit).ConfigureAwait(false);
            var result = response.Topics.Find(t => t.Name == name);
            if (result is not null && result.ErrorCode is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
            {
                throw new KafkaException(result.ErrorCode, $"Creating topic '{name}' failed{(result.ErrorMessage is { } m ? ": " + m : "")}");
            }
        }
        // Wait until the metadata shows the topic with a leader for every partition.
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var metadata = await _cluster.RefreshAsync(cancellationToken, [name]).ConfigureAwait(false);
            if (metadata.GetTopic(name) is { } topic && topic.Partitions.All(p => p.Leader >= 0))
            {
                return topic.Partitions.Length;
            }
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new KafkaException(ErrorCode.LeaderNotAvailable, $"Topic '{name}' has no leader for every partition after {limit}");
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
        }
    }

    /// <summary>Deletes topics; unknown topics are ignored.</summary>
    public async Task DeleteTopicsAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        var list = names.ToList();
        var connection = await ControllerAsync(cancellationToken).ConfigureAwait(false);
        var response = await connection.SendAsync<DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = list, TimeoutMs = 30_000 }, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Responses)
        {
            if (result.ErrorCode is not (ErrorCode.None or ErrorCode.UnknownTopicOrPartition))
            {
                throw new KafkaException(result.ErrorCode, $"Deleting topic '{result.Name}' failed");
            }
        }
        await _cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Describes a topic, or returns null when it does not exist.</summary>
    public async Task<KafkaTopicInfo?> DescribeTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshAsync(cancellationToken, [name]).ConfigureAwait(false);
        return metadata.GetTopic(name) is { } t ? new KafkaTopicInfo(t.Name, t.Partitions.Length, t.Partitions.Select(p => p.Leader).ToArray()) : null;
    }

    /// <summary>Lists the groups of every broker.</summary>
    public async Task<IReadOnlyList<(string GroupId, string ProtocolType)>> ListGroupsAsync(CancellationToken cancellationToken = default)
    {
        var metadata = _cluster.Metadata.Brokers.Count > 0 ? _cluster.Metadata : await _cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<(string, string)>();
        foreach (var node in metadata.Brokers.Keys)
        {
            var connection = await _cluster.GetConnectionAsync(node, cancellationToken).ConfigureAwait(false);
            var response = await connection.SendAsync<ListGroupsResponse>(new ListGroupsRequest(), cancellationToken).ConfigureAwait(false);
            if (response.ErrorCode != ErrorCode.None)
            {
                throw new KafkaException(response.ErrorCode, $"Listing groups on node {node} failed");
            }
            result.AddRange(response.Groups.Select(g => (g.GroupId, g.ProtocolType)));
        }
        return result;
    }

    /// <summary>Describes a group: state, members with their assignments, committed offsets and lag.</summary>
    public async Task<KafkaGroupInfo> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        var coordinator = await CoordinatorAsync(groupId, cancellationToken).ConfigureAwait(false);
        var described = await coordinator.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = [groupId] }, cancellationToken).ConfigureAwait(false);
        var group = described.Groups.Find(g => g.GroupId == groupId) ?? throw new KafkaException(ErrorCode.GroupIdNotFound, $"Group '{groupId}' was not described");
        if (group.ErrorCode != ErrorCode.None)
        {
            throw new KafkaException(group.ErrorCode, $"Describing group '{groupId}' failed");
        }
        var members = group.Members.Select(m => new KafkaGroupMemberInfo(
            m.MemberId, m.ClientId, m.ClientHost,
            group.ProtocolType == ConsumerProtocol.ProtocolType ? SafeDecode(m.MemberAssignment) : [])).ToList();

        var offsets = await coordinator.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = groupId, Topics = null }, cancellationToken).ConfigureAwait(false);
        if (offsets.ErrorCode != ErrorCode.None)
        {
            throw new KafkaException(offsets.ErrorCode, $"Reading the offsets of group '{groupId}' failed");
        }
        var committed = offsets.Topics.SelectMany(t => t.Partitions.Where(p => p.CommittedOffset >= 0).Select(p => (new TopicPartition(t.Name, p.PartitionIndex), p.CommittedOffset))).ToList();
        var ends = await EndOffsetsAsync(committed.Select(c => c.Item1).ToList(), cancellationToken).ConfigureAwait(false);
        var lags = committed.Select(c =>
        {
            var end = ends.TryGetValue(c.Item1, out var e) ? e : -1;
            return new KafkaPartitionLag(c.Item1, c.CommittedOffset, end, end < 0 ? -1 : Math.Max(0, end - c.CommittedOffset));
        }).OrderBy(l => l.Partition.Topic, StringComparer.Ordinal).ThenBy(l => l.Partition.Partition).ToList();
        return new KafkaGroupInfo(group.GroupId, group.GroupState, group.ProtocolType, group.ProtocolData, members, lags);
    }

    /// <summary>The end offset (high watermark) of each partition.</summary>
    public async Task<Dictionary<TopicPartition, long>> EndOffsetsAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<TopicPartition, long>();
        if (partitions.Count == 0)
        {
            return result;
        }
        var metadata = await _cluster.RefreshAsync(cancellationToken, partitions.Select(p => p.Topic).Distinct()).ConfigureAwait(false);
        foreach (var byLeader in partitions.GroupBy(p => metadata.LeaderOf(p.Topic, p.Partition)).Where(g => g.Key >= 0))
        {
            var connection = await _cluster.GetConnectionAsync(byLeader.Key, cancellationToken).ConfigureAwait(false);
            var request = new ListOffsetsRequest
            {
                Topics = byLeader.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(t => new ListOffsetsRequest.Topic
                {
                    Name = t.Key,
                    Partitions = t.Select(p => new ListOffsetsRequest.Partition { PartitionIndex = p.Partition, Timestamp = -1 }).ToList(),
                }).ToList(),
            };
            var response = await connection.SendAsync<ListOffsetsResponse>(request, cancellationToken).ConfigureAwait(false);
            foreach (var t in response.Topics)
            {
                foreach (var p in t.Partitions.Where(p => p.ErrorCode == ErrorCode.None))
                {
                    result[new TopicPartition(t.Name, p.PartitionIndex)] = p.Offset;
                }
            }
        }
        return result;
    }

    private static List<TopicPartition> SafeDecode(ReadOnlyMemory<byte> assignment)
    {
        try
        {
            return ConsumerProtocol.DecodeAssignment(assignment);
        }
        catch (KafkaProtocolException)
        {
            return [];
        }
    }

    private async Task<KafkaConnection> ControllerAsync(CancellationToken cancellationToken)
    {
        var metadata = _cluster.Metadata.Brokers.Count > 0 ? _cluster.Metadata : await _cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return metadata.ControllerId >= 0 && metadata.Brokers.ContainsKey(metadata.ControllerId)
            ? await _cluster.GetConnectionAsync(metadata.ControllerId, cancellationToken).ConfigureAwait(false)
            : await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<KafkaConnection> CoordinatorAsync(string groupId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
            var response = await connection.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = groupId }, cancellationToken).ConfigureAwait(false);
            if (response.ErrorCode == ErrorCode.None)
            {
                return await _cluster.Connections.GetAsync(response.NodeId, new BrokerEndpoint(response.Host, response.Port), cancellationToken).ConfigureAwait(false);
            }
            if (!KafkaErrors.IsRetriable(response.ErrorCode) || attempt >= 10)
            {
                throw new KafkaException(response.ErrorCode, $"Finding the coordinator of group '{groupId}' failed");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsCluster)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
