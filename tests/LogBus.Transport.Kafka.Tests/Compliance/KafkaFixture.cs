using LogBus.Transport.Compliance;
using LogBus.Transport.Kafka.Internal;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Compliance;

/// <summary>One in-process broker shared by every bus and transport of the compliance tests (UsingKafka).</summary>
public sealed class KafkaFixture : ITransportFixture, IAsyncLifetime
{
    private InProcessBroker? _broker;

    public string Bootstrap => _broker!.Bootstrap;

    public async Task InitializeAsync() => _broker = await InProcessBroker.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    public void Configure(LogBusBuilder bus) => bus.UsingKafka(Tune);

    public ITransport CreateTransport()
    {
        var options = new KafkaTransportOptions();
        Tune(options);
        return new KafkaTransport(options, null);
    }

    /// <summary>Faster rebalances than Kafka's defaults, so the suite's group tests stay quick.</summary>
    internal void Tune(KafkaTransportOptions k)
    {
        k.BootstrapServers = Bootstrap;
        k.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(300);
        k.Consumer.SessionTimeout = TimeSpan.FromSeconds(10);
        k.Consumer.RebalanceTimeout = TimeSpan.FromSeconds(30);
    }
}
