using LogBus.Transport.Compliance;
using LogBus.Transport.InMemory.Internal;

namespace LogBus.Transport.InMemory.Tests;

/// <summary>One in-memory broker shared by every bus and transport of the compliance tests.</summary>
public sealed class InMemoryFixture : ITransportFixture
{
    public InMemoryBroker Broker { get; } = new();

    public void Configure(LogBusBuilder bus) => bus.UsingInMemory(o => o.Broker = Broker);

    public ITransport CreateTransport() => new InMemoryTransport(Broker, ownsBroker: false);
}
