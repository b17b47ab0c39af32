using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Compliance;

/// <summary>A started generic host running one bus, for tests. Dispose stops it (drain and commit).</summary>
public sealed class BusHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private BusHost(IHost host) => _host = host;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The test harness of the bus.</summary>
    public ITestHarness Harness => _host.Services.GetRequiredService<ITestHarness>();

    /// <summary>Builds and starts a host with AddLogBus (configured by <paramref name="configureBus"/>) and the test harness.</summary>
    public static async Task<BusHost> StartAsync(Action<LogBusBuilder> configureBus, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "compliance", DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddLogBusTestHarness();
        configureServices?.Invoke(builder.Services);
        builder.Services.AddLogBus(configureBus);
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return new BusHost(host);
    }

    /// <summary>Publishes from a fresh scope.</summary>
    public async Task PublishAsync<T>(IEnumerable<T> messages)
    {
        using var scope = _host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IPublisher>().PublishBatch(messages).ConfigureAwait(false);
    }

    /// <summary>Stops the host: consumers drain in-flight handlers and commit.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _host.Dispose();
        }
    }
}
