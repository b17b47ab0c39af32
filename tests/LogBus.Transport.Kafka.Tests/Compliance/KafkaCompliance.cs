using LogBus.Transport.Compliance;

namespace LogBus.Transport.Kafka.Tests.Compliance;

public sealed class KafkaCompliance(KafkaFixture fixture) : TransportCompliance<KafkaFixture>(fixture);
