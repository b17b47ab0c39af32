using LogBus.Transport.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>A started host: the shop DbContext, the outbox, the in-memory log (shared), optional consumers.</summary>
public sealed class ShopHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ShopHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ITestHarness Harness => _host.Services.GetRequiredService<ITestHarness>();

    public static async Task<ShopHost> StartAsync(Database database, InMemoryBroker broker, Action<LogBusBuilder>? bus = null,
        Action<OutboxOptions>? outbox = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "shop", DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(TestLog.Provider);
        builder.Services.AddDbContext<ShopContext>(database.UseProvider);
        builder.Services.AddLogBusTestHarness();
        services?.Invoke(builder.Services);
        builder.Services.AddLogBus(b =>
        {
            b.ServiceName = "shop";
            b.Message<OrderPlaced>(m => m.Topic("orders").Key(o => o.Customer).Partitions(8));
            b.AddEntityFrameworkOutbox<ShopContext>(o =>
            {
                database.UseOutbox(o);
                o.PollInterval = TimeSpan.FromHours(1); // prove wake-on-commit: polling would never deliver in time
                o.LeaseDuration = TimeSpan.FromSeconds(3);
                o.Lanes = 16;
                o.RetryDelay = TimeSpan.FromMilliseconds(50);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
                outbox?.Invoke(o);
            });
            bus?.Invoke(b);
            b.UsingInMemory(o => o.Broker = broker);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ShopHost(host);
    }

    /// <summary>Runs a unit of work in a new scope.</summary>
    public async Task InScopeAsync(Func<ShopContext, IPublisher, Task> work)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<ShopContext>(), scope.ServiceProvider.GetRequiredService<IPublisher>());
    }

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
