using Microsoft.Extensions.Hosting;

namespace LogBus.Internal;

/// <summary>Starts the consumers with the host and stops them (drain, then commit) when it stops.</summary>
internal sealed class LogBusHostedService(BusRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
