using LogBus.Broker;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Internal;

/// <summary>
/// The bundled broker inside the application: started by the transport before it connects (so the
/// bus starts it with the host) and disposed after the transport's producer and connections (so it
/// stops with the host, cleanly: producer state snapshotted, logs closed).
/// </summary>
internal sealed class EmbeddedBroker(EmbeddedBrokerOptions options, ILoggerFactory? loggerFactory) : IBrokerHost
{
    private LogBusBroker? _broker;

    /// <summary>The running broker (after start).</summary>
    public LogBusBroker? Broker => _broker;

    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var brokerOptions = new LogBusBrokerOptions();
        options.ConfigureBroker?.Invoke(brokerOptions);
        brokerOptions.ListenAddress = "127.0.0.1";
        brokerOptions.Port = options.Port;
        brokerOptions.DataDirectory = options.DataDirectory;
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
        _broker = broker;
        return $"127.0.0.1:{broker.Port}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
