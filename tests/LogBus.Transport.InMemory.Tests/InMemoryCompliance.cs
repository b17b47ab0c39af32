using LogBus.Transport.Compliance;

namespace LogBus.Transport.InMemory.Tests;

public sealed class InMemoryCompliance(InMemoryFixture fixture) : TransportCompliance<InMemoryFixture>(fixture);
