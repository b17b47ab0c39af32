using LogBus.Transport.Compliance;

namespace LogBus.Transport.Kafka.Tests.Compliance;

public sealed class EmbeddedBrokerCompliance(EmbeddedFixture fixture) : TransportCompliance<EmbeddedFixture>(fixture);
