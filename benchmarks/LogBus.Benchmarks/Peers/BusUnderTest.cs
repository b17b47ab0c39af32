using Microsoft.Extensions.Hosting;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// One messaging framework configuration measured by the framework and latency workloads: a host with a
/// no-op handler for <see cref="PeerSmallMessage"/> (counting into <see cref="HandledCounter"/>) and one
/// for <see cref="PeerLatencyMessage"/> (recording into <see cref="LatencyCollector"/>), and a way to publish.
/// </summary>
internal abstract class BusUnderTest : IAsyncDisposable
{
    private IHost? _host;

    protected BusUnderTest(string system, string description)
    {
        System = system;
        Description = description;
    }

    /// <summary>Name in the report, e.g. <c>MassTransit RabbitMQ</c>.</summary>
    public string System { get; }

    /// <summary>Configuration and durability, for the report.</summary>
    public string Description { get; }

    /// <summary>The no-op handlers' counter.</summary>
    public HandledCounter Counter { get; } = new();

    /// <summary>The latency handlers' recorder.</summary>
    public LatencyCollector Latencies { get; } = new();

    /// <summary>The peer's server process (for CPU accounting), if any.</summary>
    public int? ServerPid { get; init; }

    /// <summary>The started host.</summary>
    protected IHost Host => _host ?? throw new InvalidOperationException("not started");

    /// <summary>Builds and starts the host.</summary>
    public async Task StartAsync()
    {
        _host = Build();
        await _host.StartAsync();
        await AfterStartAsync();
    }

    /// <summary>Publishes one message; completes when the framework's publish completes.</summary>
    public abstract Task PublishAsync<T>(T message)
        where T : class;

    /// <summary>Builds the host (not started).</summary>
    protected abstract IHost Build();

    /// <summary>Runs after the host started (e.g. resolving the publisher).</summary>
    protected virtual Task AfterStartAsync() => Task.CompletedTask;

    /// <summary>Stops and disposes the host.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(stop.Token);
            _host.Dispose();
            _host = null;
        }
        GC.SuppressFinalize(this);
    }
}
