namespace LogBus.Transport.InMemory;

/// <summary>Options of <see cref="InMemoryTransportExtensions.UsingInMemory"/>.</summary>
public sealed class InMemoryTransportOptions
{
    /// <summary>
    /// The log to use. Give several buses the same broker to simulate several application instances (or
    /// services) sharing one log; its lifetime is then yours.
    /// </summary>
    /// <remarks>Defaults to a new broker owned by the bus, created with <see cref="BrokerOptions"/>.</remarks>
    public InMemoryBroker? Broker { get; set; }

    /// <summary>Limits of the broker the bus creates when <see cref="Broker"/> is not set.</summary>
    public InMemoryBrokerOptions BrokerOptions { get; } = new();
}
