namespace LogBus.Transport.Kafka.Tests.Support;

/// <summary>One in-process broker shared by the tests of a class.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private InProcessBroker? _broker;

    public InProcessBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public string Bootstrap => Broker.Bootstrap;

    public async Task InitializeAsync() => _broker = await InProcessBroker.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
