using LogBus.Transport.Kafka;
using LogBus.Transport.Kafka.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LogBus;

/// <summary>Selects the Kafka-protocol transport.</summary>
public static class KafkaTransportExtensions
{
    /// <summary>
    /// Runs the bus on a Kafka-protocol cluster: the bundled <c>logbus-broker</c>, Apache Kafka or
    /// Redpanda. <c>bus.UsingKafka(k =&gt; k.BootstrapServers = "host:9092")</c>.
    /// </summary>
    public static LogBusBuilder UsingKafka(this LogBusBuilder bus, Action<KafkaTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new KafkaTransportOptions();
        configure(options);
        options.Validate();
        return bus.UseTransport(services =>
        {
            options.ClientId ??= bus.ServiceName ?? "logbus";
            return new KafkaTransport(options, services.GetService<ILoggerFactory>());
        });
    }

    /// <summary>
    /// Runs the bundled broker inside the application (on 127.0.0.1, <see cref="EmbeddedBrokerOptions.Port"/>)
    /// and the bus on it through the Kafka transport: <c>bus.UsingEmbeddedBroker(b =&gt; b.DataDirectory = "data")</c>.
    /// The broker starts when the bus starts and stops when the host stops. Other processes (kcat, other
    /// services) can connect to it on that port.
    /// </summary>
    public static LogBusBuilder UsingEmbeddedBroker(this LogBusBuilder bus, Action<EmbeddedBrokerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var options = new EmbeddedBrokerOptions();
        configure?.Invoke(options);
        options.Validate();
        return bus.UseTransport(services =>
        {
            var loggerFactory = services.GetService<ILoggerFactory>();
            options.Transport.ClientId ??= bus.ServiceName ?? "logbus";
            return new KafkaTransport(options.Transport, loggerFactory, new EmbeddedBroker(options, loggerFactory));
        });
    }
}
