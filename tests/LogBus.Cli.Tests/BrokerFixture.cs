using LogBus.Testing;

namespace LogBus.Cli.Tests;

/// <summary>One logbus-broker process for the tests of a class (each test uses its own topics and groups).</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public BrokerProcess Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await BrokerProcess.StartAsync("--group-initial-rebalance-delay-ms", "0");

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}
