using LogBus.Transport.Compliance;
using LogBus.Transport.Kafka.Internal;

namespace LogBus.Transport.Kafka.Tests.Compliance;

/// <summary>
/// Every bus runs <c>UsingEmbeddedBroker</c> on one data directory: the buses of this process share the
/// embedded broker (the first to start starts it, the last to stop stops it).
/// </summary>
public sealed class EmbeddedFixture : ITransportFixture, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logbus-embedded-compliance-" + Guid.NewGuid().ToString("N"));

    public void Configure(LogBusBuilder bus) => bus.UsingEmbeddedBroker(Tune);

    public ITransport CreateTransport()
    {
        var options = new EmbeddedBrokerOptions();
        Tune(options);
        return new KafkaTransport(options.Transport, null, new EmbeddedBroker(options, null));
    }

    private void Tune(EmbeddedBrokerOptions b)
    {
        b.DataDirectory = _directory;
        b.Port = 0;
        b.Transport.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(300);
        b.Transport.Consumer.SessionTimeout = TimeSpan.FromSeconds(10);
        b.Transport.Consumer.RebalanceTimeout = TimeSpan.FromSeconds(30);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
