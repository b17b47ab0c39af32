using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using LogBus.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Internal;

/// <summary>
/// The bus of one service provider (a singleton): owns the transport, the message registry, the
/// serializer and the consumer runners. Publishing starts the transport on first use; consumers run
/// between <see cref="StartAsync"/> and <see cref="StopAsync"/> (the hosted service).
/// </summary>
internal sealed partial class BusRuntime : IAsyncDisposable
{
    private readonly LogBusConfiguration _configuration;
    private readonly IServiceProvider _services;
    private readonly Lazy<ITransport> _transport;
    private readonly ConcurrentDictionary<string, Task<int>> _topics = new(StringComparer.Ordinal);
    private readonly byte[] _contentType;
    private readonly Lock _startGate = new();
    private readonly Func<MessageMetadata, Task> _ensureMetadataTopic;
    private Task? _started;
    private int _disposed;

    public BusRuntime(LogBusConfiguration configuration, IServiceProvider services, IEnumerable<IBusObserver> observers,
        ILoggerFactory? loggerFactory = null, IHostEnvironment? environment = null)
    {
        _configuration = configuration;
        _services = services;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("LogBus");
        Observers = observers.ToArray();
        Registry = new MessageRegistry(configuration);
        Serializer = configuration.Serializer ?? new SystemTextJsonMessageSerializer();
        _contentType = Encoding.UTF8.GetBytes(Serializer.ContentType);
        ServiceName = configuration.ServiceName
            ?? MessageNames.KebabCase(environment?.ApplicationName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "logbus");
        ScopeFactory = services.GetRequiredService<IServiceScopeFactory>();
        _transport = new Lazy<ITransport>(() => configuration.TransportFactory!(services), LazyThreadSafetyMode.ExecutionAndPublication);
        _ensureMetadataTopic = EnsureMetadataTopic;
        Consumers = configuration.Consumers.Select(r => new ConsumerRunner(this, r)).ToArray();
    }

    public ILoggerFactory LoggerFactory { get; }
    public ILogger Logger { get; }
    public IBusObserver[] Observers { get; }
    public MessageRegistry Registry { get; }
    public IMessageSerializer Serializer { get; }
    public string ServiceName { get; }
    public IServiceScopeFactory ScopeFactory { get; }
    public ConsumerRunner[] Consumers { get; }
    public TimeSpan ShutdownTimeout => _configuration.ShutdownTimeout;
    public IReadOnlyList<Type> GlobalFilters => _configuration.GlobalFilters;
    public LogBusConfiguration Configuration => _configuration;
    public ITransport Transport => _transport.Value;

    /// <summary>Why the transport failed to start, while it is failing.</summary>
    public Exception? StartFailure { get; private set; }

    /// <summary>True once the transport has started.</summary>
    public bool IsStarted => _started is { IsCompletedSuccessfully: true };

    /// <summary>Starts the transport once; a failed start is retried by the next caller.</summary>
    public Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        var started = _started;
        if (started is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }
        lock (_startGate)
        {
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = StartTransportAsync();
            }
            return _started.WaitAsync(cancellationToken);
        }
    }

    private async Task StartTransportAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            await Transport.StartAsync(CancellationToken.None).ConfigureAwait(false);
            StartFailure = null;
        }
        catch (Exception ex)
        {
            StartFailure = ex;
            throw;
        }
    }

    /// <summary>Creates a topic when missing (once per topic per bus); returns its partition count.</summary>
    public Task<int> EnsureTopicAsync(string topic, int partitions, CancellationToken cancellationToken)
    {
        var task = _topics.GetOrAdd(topic, static (name, state) => state.Self.CreateTopicAsync(name, state.Partitions), (Self: this, Partitions: partitions));
        if (task.IsFaulted || task.IsCanceled)
        {
            _topics.TryRemove(new KeyValuePair<string, Task<int>>(topic, task));
            task = _topics.GetOrAdd(topic, static (name, state) => state.Self.CreateTopicAsync(name, state.Partitions), (Self: this, Partitions: partitions));
        }
        return task.IsCompletedSuccessfully ? task : task.WaitAsync(cancellationToken);
    }

    private async Task<int> CreateTopicAsync(string topic, int partitions)
    {
        await EnsureStartedAsync(CancellationToken.None).ConfigureAwait(false);
        return await Transport.EnsureTopicAsync(new TopicSpecification(topic, partitions), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Starts the consumers (each connects and subscribes in the background, retrying on failure).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var consumer in Consumers)
        {
            consumer.Start();
        }
        Log.BusStarted(Logger, _configuration.TransportFactory is null ? "?" : "configured", Consumers.Length);
        // Start the transport now so problems show early, without failing the host: consumers and
        // publishers retry it.
        _ = EnsureStartedAsync(cancellationToken).ContinueWith(static _ => { }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    /// <summary>Stops every consumer: in-flight handlers drain (up to the shutdown timeout), then offsets are committed.</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Consumers.Select(c => c.StopAsync(cancellationToken)));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_transport.IsValueCreated)
        {
            await _transport.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
