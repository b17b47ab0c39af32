using LogBus.Broker.Cluster;
using LogBus.Broker.Groups;
using LogBus.Broker.Replication;
using System.Net;
using System.Net.Sockets;
using LogBus.Broker.Producers;
using LogBus.Broker.Server;
using LogBus.Broker.Storage;
using LogBus.Broker.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Broker;

/// <summary>
/// A single-node LogBus broker in this process: opens the data directory, listens for Kafka protocol
/// clients and serves topics until stopped. Used by the <c>logbus-broker</c> host, by tests and by the
/// embedded transport.
/// </summary>
/// <example>
/// <code>
/// await using var broker = new LogBusBroker(new LogBusBrokerOptions { Port = 0, DataDirectory = dir });
/// await broker.StartAsync();
/// Console.WriteLine($"bootstrap.servers=127.0.0.1:{broker.Port}");
/// </code>
/// </example>
/// <remarks>
/// Lifecycle: <see cref="StartAsync"/> once; <see cref="StopAsync"/> stops accepting, answers the
/// requests already read (up to <see cref="LogBusBrokerOptions.ShutdownTimeout"/>), snapshots producer
/// state, closes every log cleanly and writes the clean-shutdown marker. <see cref="DisposeAsync"/>
/// stops when still running. Thread-safe.
/// </remarks>
public sealed class LogBusBroker : IAsyncDisposable
{
    private const string ClusterIdFileName = ".cluster-id";

    private readonly LogBusBrokerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private LogManager? _logs;
    private ProducerStateManager? _producers;
    private GroupCoordinator? _groups;
    private TransactionCoordinator? _transactions;
    private KafkaServer? _server;
    private MetadataQuorum? _quorum;
    private ReplicaManager? _replicas;
    private int _state; // 0 new, 1 running, 2 stopped

    /// <summary>Creates a broker; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Settings; validated at start and not to be changed afterwards.</param>
    /// <param name="loggerFactory">Logging; null logs nothing.</param>
    public LogBusBroker(LogBusBrokerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("LogBus.Broker");
    }

    /// <summary>The bound endpoint; null before <see cref="StartAsync"/>.</summary>
    public IPEndPoint? EndPoint => _server?.EndPoint;

    /// <summary>The bound port (the chosen free port when <see cref="LogBusBrokerOptions.Port"/> is 0); 0 before start.</summary>
    public int Port => EndPoint?.Port ?? 0;

    /// <summary>The <c>host:port</c> clients should bootstrap from; null before start.</summary>
    public string? BootstrapServers => Services is { } s ? $"{s.Metadata.Host}:{s.Metadata.Port}" : null;

    /// <summary>True between a successful <see cref="StartAsync"/> and <see cref="StopAsync"/>.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == 1;

    /// <summary>The broker's services (tests, embedded use).</summary>
    internal BrokerServices? Services { get; private set; }

    /// <summary>The protocol server (tests).</summary>
    internal KafkaServer? Server => _server;

    /// <summary>Handler changes applied before the server starts (tests and extensions).</summary>
    internal Action<RequestHandlerRegistry>? ConfigureHandlers { get; set; }

    /// <summary>
    /// Opens the data directory (recovering after a crash), binds the listener and starts serving.
    /// </summary>
    /// <exception cref="StorageException">The data directory is locked by another broker or unreadable.</exception>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != 0)
            {
                throw new InvalidOperationException("The broker was already started.");
            }
            _options.Validate();
            var storage = new StorageOptions
            {
                DataDirectory = _options.DataDirectory,
                DefaultLogConfig = _options.DefaultLogConfig,
                TimeProvider = _options.TimeProvider,
            };
            var started = System.Diagnostics.Stopwatch.StartNew();
            var logs = await LogManager.OpenAsync(storage, _loggerFactory.CreateLogger("LogBus.Broker.Storage"), cancellationToken).ConfigureAwait(false);
            ProducerStateManager? producers = null;
            GroupCoordinator? groups = null;
            TransactionCoordinator? transactions = null;
            KafkaServer? server = null;
            MetadataQuorum? quorum = null;
            ReplicaManager? replicas = null;
            try
            {
                var clusterId = _options.ControllerQuorum is null ? ReadOrCreateClusterId(logs.DataDirectory) : ClusterIdOf(_options.ControllerQuorum);
                var producerIds = ProducerIdAllocator.Open(logs.DataDirectory);
                producers = new ProducerStateManager(logs, _options.TimeProvider, _loggerFactory.CreateLogger("LogBus.Broker.Producers"));
                var registry = RequestHandlerRegistry.CreateDefault();
                if (_options.ControllerQuorum is not null)
                {
                    (quorum, replicas) = await StartClusterAsync(logs, producers).ConfigureAwait(false);
                    registry.Register(new OffsetForLeaderEpochHandler());
                }
                ConfigureHandlers?.Invoke(registry);
                server = new KafkaServer(registry, _loggerFactory);
                var endPoint = await ResolveAsync(_options.ListenAddress, _options.Port, cancellationToken).ConfigureAwait(false);
                server.Bind(endPoint);
                var bound = server.EndPoint!;
                var host = _options.AdvertisedHost
                    ?? (bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any) ? Dns.GetHostName() : _options.ListenAddress);
                var metadata = new BrokerMetadata(_options.NodeId, host, bound.Port, clusterId);
                groups = await GroupCoordinator.OpenAsync(logs, _options.Groups, _loggerFactory.CreateLogger("LogBus.Broker.Groups")).ConfigureAwait(false);
                transactions = await TransactionCoordinator.OpenAsync(logs, producers, producerIds, groups, _options.Transactions, _loggerFactory.CreateLogger("LogBus.Broker.Transactions")).ConfigureAwait(false);
                var services = new BrokerServices(_options, logs, metadata, producers, producerIds, _loggerFactory, _stopping.Token) { Groups = groups, Transactions = transactions, Replicas = replicas };
                server.Start(services);
                if (quorum is not null)
                {
                    // Registration needs a quorum, which needs the other voters: in the background.
                    _ = RegisterAsync(quorum, host, bound.Port);
                }
                producers.StartSnapshots(_options.ProducerStateSnapshotInterval);
                Services = services;
                _logs = logs;
                _producers = producers;
                _groups = groups;
                _transactions = transactions;
                _server = server;
                _quorum = quorum;
                _replicas = replicas;
                Volatile.Write(ref _state, 1);
                _logger.LogInformation(
                    "LogBus broker {NodeId} listening on {EndPoint} (advertised {Host}:{Port}), data in {DataDirectory}, {Topics} topics, {Recovery} in {Elapsed} ms",
                    _options.NodeId, bound, host, bound.Port, logs.DataDirectory, logs.TopicNames.Count,
                    logs.OpenedAfterCleanShutdown ? "after a clean shutdown" : "no clean-shutdown marker (new directory or crash): logs verified", started.ElapsedMilliseconds);
            }
            catch
            {
                if (server is not null)
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                }
                if (transactions is not null)
                {
                    await transactions.DisposeAsync().ConfigureAwait(false);
                }
                if (groups is not null)
                {
                    await groups.DisposeAsync().ConfigureAwait(false);
                }
                if (replicas is not null)
                {
                    await replicas.DisposeAsync().ConfigureAwait(false);
                }
                if (quorum is not null)
                {
                    await quorum.DisposeAsync().ConfigureAwait(false);
                }
                producers?.Dispose();
                logs.Dispose();
                throw;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops gracefully: no new connections or requests, in-flight requests answered, producer state
    /// snapshotted, logs flushed and closed, clean-shutdown marker written. Idempotent.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != 1)
            {
                Volatile.Write(ref _state, 2);
                return;
            }
            Volatile.Write(ref _state, 2);
            _logger.LogInformation("Stopping the broker");
            await _stopping.CancelAsync().ConfigureAwait(false);
            // Groups first: held JoinGroup/SyncGroup requests are answered at once (COORDINATOR_NOT_AVAILABLE)
            // instead of holding the server's drain until its timeout; acknowledged commits are already durable.
            await _groups!.DisposeAsync().ConfigureAwait(false);
            await _server!.StopAsync(_options.ShutdownTimeout).ConfigureAwait(false);
            // After the server: no request runs a coordinator operation any more. Open transactions stay
            // open in __transaction_state (their producers may continue after a restart, or they time out).
            await _transactions!.DisposeAsync().ConfigureAwait(false);
            if (_replicas is not null)
            {
                await _replicas.DisposeAsync().ConfigureAwait(false);
            }
            if (_quorum is not null)
            {
                await _quorum.DisposeAsync().ConfigureAwait(false);
            }
            try
            {
                _producers!.Dispose();
            }
            finally
            {
                _logs!.Dispose();
            }
            _logger.LogInformation("Broker stopped cleanly");
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the broker when running and releases its resources.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private async Task<(MetadataQuorum, ReplicaManager)> StartClusterAsync(LogManager logs, ProducerStateManager producers)
    {
        var voters = QuorumVoter.ParseList(_options.ControllerQuorum!);
        string? listenHost = null;
        int? listenPort = null;
        if (_options.ControllerListen is { } listen)
        {
            var colon = listen.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port))
            {
                throw new ArgumentException($"ControllerListen must be HOST:PORT (was '{listen}').");
            }
            listenHost = listen[..colon] == "localhost" ? "127.0.0.1" : listen[..colon];
            listenPort = port;
        }
        var quorum = new MetadataQuorum(
            new MetadataQuorumOptions
            {
                NodeId = _options.NodeId,
                Voters = voters,
                Directory = Path.Combine(logs.DataDirectory, ".cluster-metadata"),
                ListenAddress = listenHost,
                ListenPort = listenPort,
                BrokerHeartbeatInterval = _options.BrokerHeartbeatInterval,
                BrokerSessionTimeout = _options.BrokerSessionTimeout,
            },
            _loggerFactory);
        try
        {
            await quorum.StartAsync().ConfigureAwait(false);
            var replicas = new ReplicaManager(
                _options.NodeId,
                quorum,
                logs,
                producers,
                new ReplicationOptions { MinInSyncReplicas = _options.MinInSyncReplicas, ReplicaLagTimeMax = _options.ReplicaLagTimeMax },
                _options.DefaultLogConfig,
                _loggerFactory);
            replicas.Start();
            return (quorum, replicas);
        }
        catch
        {
            await quorum.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task RegisterAsync(MetadataQuorum quorum, string host, int port)
    {
        try
        {
            await quorum.RegisterBrokerAsync(host, port, _stopping.Token).ConfigureAwait(false);
            _logger.LogInformation("Broker {NodeId} registered with the cluster as {Host}:{Port}", _options.NodeId, host, port);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static string ClusterIdOf(string quorum)
    {
        // Every member derives the same id from the voter list (Kafka: 22-character URL-safe base64).
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(quorum));
        return Convert.ToBase64String(hash, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static async Task<IPEndPoint> ResolveAsync(string address, int port, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(address, out var ip))
        {
            return new IPEndPoint(ip, port);
        }
        if (string.Equals(address, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }
        var addresses = await Dns.GetHostAddressesAsync(address, cancellationToken).ConfigureAwait(false);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, port);
    }

    private static string ReadOrCreateClusterId(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, ClusterIdFileName);
        try
        {
            if (File.Exists(path))
            {
                var text = File.ReadAllText(path).Trim();
                if (text.Length > 0)
                {
                    return text;
                }
            }
            // Kafka cluster ids are 22-character URL-safe base64 UUIDs.
            var id = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            FileSystemSync.WriteAtomically(path, System.Text.Encoding.ASCII.GetBytes(id + "\n"));
            return id;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"cannot read or write the cluster id: {e.Message}", e);
        }
    }
}
