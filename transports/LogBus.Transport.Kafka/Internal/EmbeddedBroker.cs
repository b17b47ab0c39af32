using LogBus.Broker;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Internal;

/// <summary>
/// The bundled broker inside the application: started by the transport before it connects (so the
/// bus starts it with the host) and released after the transport's producer and connections (so it
/// stops with the host, cleanly: producer state snapshotted, logs closed).
/// </summary>
/// <remarks>
/// Several buses of one process that name the same data directory share one broker (a directory can
/// only be opened by one broker): the first starts it, the last one to stop stops it. This is what
/// lets several application instances in one process (tests, multi-host apps) share the log.
/// </remarks>
internal sealed class EmbeddedBroker(EmbeddedBrokerOptions options, ILoggerFactory? loggerFactory) : IBrokerHost
{
    private static readonly SemaphoreSlim s_registryLock = new(1, 1);
    private static readonly Dictionary<string, Shared> s_running = new(StringComparer.Ordinal);
    private Shared? _shared;

    /// <summary>The running broker (after start).</summary>
    public LogBusBroker? Broker => _shared?.Broker;

    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        if (_shared is not null)
        {
            return _shared.Bootstrap;
        }
        var directory = Path.GetFullPath(options.DataDirectory);
        await s_registryLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (s_running.TryGetValue(directory, out var running))
            {
                running.References++;
                _shared = running;
                return running.Bootstrap;
            }
            var brokerOptions = new LogBusBrokerOptions();
            options.ConfigureBroker?.Invoke(brokerOptions);
            brokerOptions.ListenAddress = "127.0.0.1";
            brokerOptions.Port = options.Port;
            brokerOptions.DataDirectory = directory;
            var broker = new LogBusBroker(brokerOptions, loggerFactory);
            try
            {
                await broker.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"The embedded broker cannot listen on 127.0.0.1:{options.Port} ({ex.Message}); set EmbeddedBrokerOptions.Port to a free port, or 0 for any.", ex);
            }
            catch
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            var shared = new Shared(directory, broker, $"127.0.0.1:{broker.Port}");
            s_running[directory] = shared;
            _shared = shared;
            return shared.Bootstrap;
        }
        finally
        {
            s_registryLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is not { } shared)
        {
            return;
        }
        _shared = null;
        await s_registryLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (--shared.References > 0)
            {
                return;
            }
            s_running.Remove(shared.Directory);
            await shared.Broker.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            s_registryLock.Release();
        }
    }

    private sealed class Shared(string directory, LogBusBroker broker, string bootstrap)
    {
        public string Directory { get; } = directory;

        public LogBusBroker Broker { get; } = broker;

        public string Bootstrap { get; } = bootstrap;

        public int References { get; set; } = 1;
    }
}
