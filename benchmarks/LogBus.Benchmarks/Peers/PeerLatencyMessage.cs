namespace LogBus.Benchmarks.Peers;

/// <summary>
/// The latency workload's message: small JSON carrying its intended send time (from the fixed-rate
/// schedule) and its actual send time, both <see cref="System.Diagnostics.Stopwatch"/> timestamps of this process,
/// and the run it belongs to (a late message of an earlier run is not counted in the next).
/// </summary>
public sealed record PeerLatencyMessage(int Run, int Id, long IntendedTicks, long SentTicks, string Kind, decimal Amount);
