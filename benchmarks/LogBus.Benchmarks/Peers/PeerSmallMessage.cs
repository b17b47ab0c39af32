namespace LogBus.Benchmarks.Peers;

/// <summary>The framework workload's message: small JSON (about 60 bytes serialized), the same type for LogBus and MassTransit.</summary>
public sealed record PeerSmallMessage(int Id, string Kind, decimal Amount, bool Express);
