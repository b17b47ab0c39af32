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
}
