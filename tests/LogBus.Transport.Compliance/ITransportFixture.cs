using LogBus.Transport;

namespace LogBus.Transport.Compliance;

/// <summary>
/// What a transport provides to the compliance suite. Every bus configured by one fixture instance must
/// share one log (so several buses act as several instances of an application), and
/// <see cref="CreateTransport"/> must return a transport on that same log.
/// </summary>
public interface ITransportFixture
{
    /// <summary>Selects the transport under test on a bus.</summary>
    void Configure(LogBusBuilder bus);

    /// <summary>A standalone transport on the shared log, for contract tests below the framework.</summary>
    ITransport CreateTransport();
}
