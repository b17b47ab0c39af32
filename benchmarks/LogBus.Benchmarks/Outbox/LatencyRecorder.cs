using System.Collections.Concurrent;
using System.Diagnostics;

namespace LogBus.Benchmarks.Outbox;

/// <summary>
/// Pairs commit and receive timestamps by message id (either may come first: a fast relay can deliver
/// before the committing thread records its commit time).
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly ConcurrentDictionary<int, (long Committed, long Received, bool Measured)> _times = new();
    private readonly ConcurrentBag<double> _latencies = [];
    private int _received;

    public void Committed(int id, long timestamp, bool measured) => Update(id, committed: timestamp, received: 0, measured);

    public void Received(int id, long timestamp)
    {
        Update(id, committed: 0, received: timestamp, measured: false);
        Interlocked.Increment(ref _received);
    }

    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _received) < count)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"received {_received:N0} of {count:N0}");
            }
            await Task.Delay(10);
        }
    }

    public (double P50, double P99, double P999, int Count) Percentiles()
    {
        var sorted = _latencies.Order().ToArray();
        if (sorted.Length == 0)
        {
            return (double.NaN, double.NaN, double.NaN, 0);
        }
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return (At(0.50), At(0.99), At(0.999), sorted.Length);
    }

    private void Update(int id, long committed, long received, bool measured)
    {
        var entry = _times.AddOrUpdate(id,
            _ => (committed, received, measured),
            (_, old) => (old.Committed != 0 ? old.Committed : committed, old.Received != 0 ? old.Received : received, old.Measured || measured));
        if (entry.Committed != 0 && entry.Received != 0 && _times.TryRemove(id, out _) && entry.Measured)
        {
            // A handler can run before the publisher records its commit time: that latency counts as 0.
            _latencies.Add(Math.Max(0, entry.Received - entry.Committed) * 1000.0 / Stopwatch.Frequency);
        }
    }
}
