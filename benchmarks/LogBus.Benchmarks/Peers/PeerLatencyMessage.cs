namespace LogBus.Benchmarks.Peers;

/// <summary>
/// The latency workload's message: small JSON carrying its intended send time (from the fixed-rate
/// schedule) and its actual send time, both <see cref="System.Diagnostics.Stopwatch"/> timestamps of this process.
/// </summary>
public sealed record PeerLatencyMessage(int Id, long IntendedTicks, long SentTicks, string Kind, decimal Amount);
