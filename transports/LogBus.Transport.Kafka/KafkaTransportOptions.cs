using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka;

/// <summary>Options of <see cref="KafkaTransportExtensions.UsingKafka"/> (and of the embedded broker's transport).</summary>
public sealed class KafkaTransportOptions
{
    /// <summary>Comma-separated <c>host:port</c> list of brokers to bootstrap from.</summary>
    /// <remarks>Defaults to <c>localhost:9092</c>.</remarks>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Client id sent with requests.</summary>
    /// <remarks>Defaults to the bus's service name.</remarks>
    public string? ClientId { get; set; }

    /// <summary>Replication factor of topics the transport creates; -1 lets the cluster decide.</summary>
    /// <remarks>Defaults to -1.</remarks>
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>How long creating a topic may take until every partition has a leader.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan TopicCreationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Producer settings (acks, idempotence, linger, batch size, compression, buffer memory, ...). Its
    /// bootstrap servers and client id are taken from this object.
    /// </summary>
    /// <remarks>Defaults to Kafka-like defaults: acks=all, idempotence on, 5 ms linger, 64 KiB batches.</remarks>
    public KafkaProducerOptions Producer { get; } = new();

    /// <summary>
    /// Consumer settings (session timeout, heartbeats, fetch sizes, prefetch bound, assignors,
    /// isolation level). Group id, client id, offset reset and records per fetch come from each
    /// LogBus consumer registration.
    /// </summary>
    /// <remarks>Defaults to Kafka-like defaults: 45 s session, 3 s heartbeats, 2 MiB prefetch per partition.</remarks>
    public KafkaConsumerOptions Consumer { get; } = new();

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new ArgumentException("Set KafkaTransportOptions.BootstrapServers to the brokers' host:port list.", nameof(BootstrapServers));
        }
        Producer.BootstrapServers = BootstrapServers;
        Consumer.BootstrapServers = BootstrapServers;
        Producer.Validate();
        Consumer.Validate();
    }
}
