using LogBus.Transport.InMemory;
using LogBus.Transport.InMemory.Internal;

namespace LogBus;

/// <summary>Selects the in-memory transport.</summary>
public static class InMemoryTransportExtensions
{
    /// <summary>
    /// Runs the bus on an in-process log with real partition, offset and consumer-group semantics: for
    /// tests and development. Nothing survives the process.
    /// </summary>
    public static LogBusBuilder UsingInMemory(this LogBusBuilder bus, Action<InMemoryTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var options = new InMemoryTransportOptions();
        configure?.Invoke(options);
        options.BrokerOptions.Validate();
        return bus.UseTransport(_ => options.Broker is { } shared
            ? new InMemoryTransport(shared, ownsBroker: false)
            : new InMemoryTransport(new InMemoryBroker(options.BrokerOptions), ownsBroker: true));
    }
}
