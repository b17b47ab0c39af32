using LogBus.Broker;

namespace LogBus.Transport.Kafka;

/// <summary>
/// Options of <see cref="KafkaTransportExtensions.UsingEmbeddedBroker"/>: the bundled broker runs inside
/// the application on a loopback port, and the bus uses it through the ordinary Kafka transport.
/// </summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>
    /// Where the broker keeps its logs (relative paths are relative to the working directory). Buses of
    /// one process that name the same directory share one broker.
    /// </summary>
    /// <remarks>Defaults to <c>data</c>.</remarks>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The loopback port (on 127.0.0.1) the broker listens on, so tools such as kcat can connect too.
    /// 0 picks a free port (tests, several instances on one machine).
    /// </summary>
    /// <remarks>Defaults to 9092, Kafka's well-known port, which Kafka tools use by default.</remarks>
    public int Port { get; set; } = 9092;

    /// <summary>Further broker settings (log retention, flush policy, limits); listen address, port and data directory come from this object.</summary>
    /// <remarks>Defaults to the broker's defaults.</remarks>
    public Action<LogBusBrokerOptions>? ConfigureBroker { get; set; }

    /// <summary>Client-side settings of the transport (producer and consumer tuning); the bootstrap servers are the embedded broker's.</summary>
    /// <remarks>Defaults to the Kafka transport's defaults.</remarks>
    public KafkaTransportOptions Transport { get; } = new();

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory, nameof(DataDirectory));
        ArgumentOutOfRangeException.ThrowIfNegative(Port, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
    }
}
