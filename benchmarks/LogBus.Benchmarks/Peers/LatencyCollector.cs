using System.Diagnostics;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// End-to-end latencies of one fixed-rate run, recorded by the handlers: from the intended send time
/// (the schedule: includes any delay of the publisher, so no coordinated omission) and from the actual
/// send time. Preallocated for the expected count; later arrivals beyond it are counted, not stored.
/// </summary>
internal sealed class LatencyCollector
{
    private long[] _fromIntended = [];
    private long[] _fromSent = [];
    private int _count;
    private int _expected;
    private int _run;
    private long _lastTicks;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The run being recorded; messages of other runs are ignored.</summary>
    public int Run => Volatile.Read(ref _run);

    /// <summary>Starts a new run of <paramref name="expected"/> messages (see <see cref="Run"/>).</summary>
    public Task Expect(int expected)
    {
        Interlocked.Increment(ref _run);
        _fromIntended = new long[expected];
        _fromSent = new long[expected];
        _expected = expected;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _count, 0);
        return _done.Task;
    }

    /// <summary>Messages handled so far in this run.</summary>
    public int Count => Math.Min(Volatile.Read(ref _count), _expected);

    /// <summary>Timestamp of the latest handler call.</summary>
    public long LastTicks => Volatile.Read(ref _lastTicks);

    /// <summary>A handler received <paramref name="message"/>.</summary>
    public void Handled(PeerLatencyMessage message)
    {
        var now = Stopwatch.GetTimestamp();
        if (message.Run != Volatile.Read(ref _run))
        {
            return; // a straggler of an earlier run
        }
        var i = Interlocked.Increment(ref _count) - 1;
        if (i < _expected)
        {
            _fromIntended[i] = now - message.IntendedTicks;
            _fromSent[i] = now - message.SentTicks;
            Volatile.Write(ref _lastTicks, now);
            if (i == _expected - 1)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>p50, p99 and p99.9 in milliseconds of the latencies recorded so far (from the intended or the actual send time).</summary>
    public (double P50, double P99, double P999) Percentiles(bool fromIntended)
    {
        var n = Count;
        var sorted = (fromIntended ? _fromIntended : _fromSent).AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        double At(double q) => n == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * n) - 1, 0, n - 1)] * 1000.0 / Stopwatch.Frequency;
        return (At(0.50), At(0.99), At(0.999));
    }
}
