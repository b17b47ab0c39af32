using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Host;

/// <summary>Runs the <see cref="LogBusBroker"/> for the generic host: started with the host, stopped gracefully on SIGTERM/Ctrl+C.</summary>
internal sealed class BrokerService(LogBusBrokerOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly LogBusBroker _broker = new(options, loggerFactory);

    public Task StartAsync(CancellationToken cancellationToken) => _broker.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _broker.StopAsync(CancellationToken.None);

    public ValueTask DisposeAsync() => _broker.DisposeAsync();
}
