using LogBus.Transport.Kafka.Client;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Internal;

/// <summary>
/// The LogBus transport over the managed Kafka client: one shared producer, one consumer (with its
/// own connections) per LogBus consumer registration, an admin client for topics.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="StartAsync"/> (idempotent) optionally starts the embedded broker, connects and
/// creates the producer; <see cref="DisposeAsync"/> flushes the producer, closes connections, then stops
/// an embedded broker it started.
/// </remarks>
internal sealed class KafkaTransport(KafkaTransportOptions options, ILoggerFactory? loggerFactory, IBrokerHost? embedded = null) : ITransport, ITransactionalTransport
{
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private KafkaCluster? _cluster;
    private KafkaProducer? _producer;
    private KafkaAdminClient? _admin;
    private bool _disposed;

    public string Name => embedded is null ? "kafka" : "kafka-embedded";

    public ITransportProducer Producer => _producer ?? throw new InvalidOperationException("The Kafka transport is not started.");

    /// <summary>The admin client (after start).</summary>
    public KafkaAdminClient Admin => _admin ?? throw new InvalidOperationException("The Kafka transport is not started.");

    /// <summary>The embedded broker, when this transport runs one.</summary>
    public IBrokerHost? Embedded => embedded;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _startLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_producer is not null)
            {
                return;
            }
            if (embedded is not null)
            {
                options.BootstrapServers = await embedded.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            options.Validate();
            var producerOptions = options.Producer;
            producerOptions.ClientId = options.ClientId ?? producerOptions.ClientId;
            var cluster = new KafkaCluster(producerOptions, loggerFactory);
            try
            {
                // Fail fast with a clear error when no bootstrap server answers.
                await cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            _cluster = cluster;
            _admin = new KafkaAdminClient(cluster, ownsCluster: false);
            _producer = new KafkaProducer(cluster, producerOptions, ownsCluster: false);
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>
    /// A transactional producer on the transport's connections, with the transport's producer settings
    /// and <paramref name="transactionalId"/>; completes once InitProducerId fenced older instances.
    /// </summary>
    public async Task<ITransactionalProducer> CreateTransactionalProducerAsync(string transactionalId, CancellationToken cancellationToken)
    {
        var cluster = _cluster ?? throw new InvalidOperationException("The Kafka transport is not started.");
        var shared = options.Producer;
        var producerOptions = new KafkaProducerOptions
        {
            BootstrapServers = shared.BootstrapServers,
            ClientId = shared.ClientId,
            RequestTimeout = shared.RequestTimeout,
            Linger = TimeSpan.FromMilliseconds(1), // the commit flushes anyway
            BatchSize = shared.BatchSize,
            MaxRequestSize = shared.MaxRequestSize,
            BufferMemory = shared.BufferMemory,
            DeliveryTimeout = shared.DeliveryTimeout,
            RetryBackoff = shared.RetryBackoff,
            Compression = shared.Compression,
            MetadataWait = shared.MetadataWait,
            TransactionalId = transactionalId,
            TransactionTimeout = shared.TransactionTimeout,
        };
        var producer = new KafkaProducer(cluster, producerOptions, ownsCluster: false);
        try
        {
            await producer.WhenReady.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await producer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return producer;
    }

    public Task<int> EnsureTopicAsync(TopicSpecification topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return Admin.CreateTopicAsync(topic.Name, topic.Partitions, options.ReplicationFactor, options.TopicCreationTimeout, cancellationToken);
    }

    public ITransportConsumer CreateConsumer(ConsumerSpecification specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        var cluster = _cluster ?? throw new InvalidOperationException("The Kafka transport is not started.");
        var template = options.Consumer;
        var consumerOptions = new KafkaConsumerOptions
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = specification.ClientId,
            ConnectTimeout = template.ConnectTimeout,
            RequestTimeout = template.RequestTimeout,
            ReconnectBackoff = template.ReconnectBackoff,
            ReconnectBackoffMax = template.ReconnectBackoffMax,
            MaxResponseSize = template.MaxResponseSize,
            GroupId = specification.GroupId,
            AutoOffsetReset = specification.AutoOffsetReset,
            SessionTimeout = template.SessionTimeout,
            HeartbeatInterval = template.HeartbeatInterval,
            RebalanceTimeout = template.RebalanceTimeout,
            FetchMaxWait = template.FetchMaxWait,
            FetchMinBytes = template.FetchMinBytes,
            FetchMaxBytes = template.FetchMaxBytes,
            MaxPartitionFetchBytes = template.MaxPartitionFetchBytes,
            PrefetchBytesPerPartition = template.PrefetchBytesPerPartition,
            MaxPollRecords = specification.MaxFetchRecords,
            IsolationLevel = template.IsolationLevel,
        };
        consumerOptions.Assignors.Clear();
        foreach (var assignor in template.Assignors)
        {
            consumerOptions.Assignors.Add(assignor);
        }
        return new KafkaConsumer(cluster, consumerOptions, ownsCluster: false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_producer is not null)
        {
            await _producer.DisposeAsync().ConfigureAwait(false);
        }
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
        if (embedded is not null)
        {
            await embedded.DisposeAsync().ConfigureAwait(false);
        }
    }
}
