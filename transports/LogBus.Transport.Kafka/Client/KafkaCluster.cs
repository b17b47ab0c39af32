using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// The client's view of a Kafka cluster: bootstrap, the metadata cache of the topics in use and a
/// shared connection pool. The producer, consumers and the admin client of one transport share it.
/// </summary>
/// <remarks>
/// Metadata is refreshed on demand: when a topic is first used, and whenever a request fails with an
/// error that means leadership changed (NotLeader, UnknownTopic, a broken connection). Concurrent
/// refreshes coalesce into one request. Thread-safe.
/// </remarks>
internal sealed class KafkaCluster : IAsyncDisposable
{
    private readonly IReadOnlyList<BrokerEndpoint> _bootstrap;
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private int _nextBootstrap;

    public KafkaCluster(KafkaClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("LogBus.Transport.Kafka");
        _bootstrap = BrokerEndpoint.ParseList(options.BootstrapServers);
        Connections = new ConnectionPool(options, Logger);
    }

    public KafkaClientOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    /// <summary>The shared connections (metadata, admin, produce).</summary>
    public ConnectionPool Connections { get; }

    /// <summary>The latest metadata snapshot.</summary>
    public ClusterMetadata Metadata => Volatile.Read(ref _metadata);

    /// <summary>A connection to the given node, from the given pool (the shared one by default).</summary>
    public Task<KafkaConnection> GetConnectionAsync(int nodeId, CancellationToken cancellationToken, ConnectionPool? pool = null)
    {
        if (!Metadata.Brokers.TryGetValue(nodeId, out var endpoint))
        {
            throw new KafkaException(ErrorCode.BrokerNotAvailable, $"Node {nodeId} is not in the cluster metadata");
        }
        return (pool ?? Connections).GetAsync(nodeId, endpoint, cancellationToken);
    }

    /// <summary>A connection to any reachable broker: known brokers first, then the bootstrap servers.</summary>
    public async Task<KafkaConnection> GetAnyConnectionAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var known = Metadata.Brokers.ToList();
        var start = Interlocked.Increment(ref _nextBootstrap);
        for (var i = 0; i < known.Count; i++)
        {
            var (nodeId, endpoint) = known[(start + i) % known.Count];
            try
            {
                return await Connections.GetAsync(nodeId, endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex)
            {
                errors.Add($"{endpoint}: {ex.Message}");
            }
        }
        for (var i = 0; i < _bootstrap.Count; i++)
        {
            var endpoint = _bootstrap[(start + i) % _bootstrap.Count];
            try
            {
                // Bootstrap connections use negative pseudo node ids so they never collide with real ones.
                return await Connections.GetAsync(-1 - ((start + i) % _bootstrap.Count), endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex)
            {
                errors.Add($"{endpoint}: {ex.Message}");
            }
        }
        throw new KafkaConnectionException($"No broker is reachable (bootstrap servers: {Options.BootstrapServers}). {string.Join("; ", errors)}");
    }

    /// <summary>Adds topics to the set the metadata cache tracks.</summary>
    public void Track(IEnumerable<string> topics)
    {
        lock (_topics)
        {
            _topics.UnionWith(topics);
        }
    }

    /// <summary>
    /// Refreshes the metadata of every tracked topic (plus <paramref name="topics"/>, which become
    /// tracked). A refresh that completed while this one waited for its turn counts.
    /// </summary>
    public async Task<ClusterMetadata> RefreshAsync(CancellationToken cancellationToken, IEnumerable<string>? topics = null)
    {
        if (topics is not null)
        {
            Track(topics);
        }
        var seen = Metadata.Version;
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Metadata.Version != seen)
            {
                return Metadata;
            }
            List<string> wanted;
            lock (_topics)
            {
                wanted = [.. _topics];
            }
            Exception? last = null;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    var connection = await GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
                    var request = new MetadataRequest { Topics = wanted, AllowAutoTopicCreation = false };
                    var response = await connection.SendAsync<MetadataResponse>(request, cancellationToken).ConfigureAwait(false);
                    var updated = Build(response, Metadata.Version + 1);
                    Volatile.Write(ref _metadata, updated);
                    KafkaLog.MetadataRefreshed(Logger, updated.Brokers.Count, updated.Topics.Count);
                    return updated;
                }
                catch (KafkaException ex)
                {
                    last = ex;
                    KafkaLog.MetadataRefreshFailed(Logger, ex.Message);
                }
            }
            throw last!;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    /// <summary>The topic's metadata, refreshing once when it is not cached; null when the topic does not exist.</summary>
    public async ValueTask<TopicMetadata?> GetTopicAsync(string topic, CancellationToken cancellationToken)
    {
        var cached = Metadata.GetTopic(topic);
        if (cached is not null)
        {
            return cached;
        }
        var refreshed = await RefreshAsync(cancellationToken, [topic]).ConfigureAwait(false);
        return refreshed.GetTopic(topic);
    }

    private static ClusterMetadata Build(MetadataResponse response, long version)
    {
        var brokers = new Dictionary<int, BrokerEndpoint>();
        foreach (var b in response.Brokers)
        {
            brokers[b.NodeId] = new BrokerEndpoint(b.Host, b.Port);
        }
        var topics = new Dictionary<string, TopicMetadata>(StringComparer.Ordinal);
        foreach (var t in response.Topics)
        {
            if (t.ErrorCode is ErrorCode.UnknownTopicOrPartition or ErrorCode.InvalidTopicException || t.Partitions.Count == 0)
            {
                continue; // absent (or still being created): callers treat it as unknown
            }
            var partitions = new PartitionMetadata[t.Partitions.Max(p => p.PartitionIndex) + 1];
            for (var i = 0; i < partitions.Length; i++)
            {
                partitions[i] = new PartitionMetadata(i, -1, -1, ErrorCode.LeaderNotAvailable);
            }
            foreach (var p in t.Partitions)
            {
                if (p.PartitionIndex >= 0)
                {
                    partitions[p.PartitionIndex] = new PartitionMetadata(p.PartitionIndex, p.LeaderId, p.LeaderEpoch, p.ErrorCode);
                }
            }
            topics[t.Name] = new TopicMetadata(t.Name, partitions, t.ErrorCode);
        }
        return new ClusterMetadata(brokers, topics, response.ControllerId, version);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Connections.DisposeAsync().ConfigureAwait(false);
}
