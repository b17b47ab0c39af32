namespace LogBus.Broker.Tests.Groups;

/// <summary>
/// A clock with timers that tests move by hand: <see cref="Advance"/> fires every timer that falls due,
/// in due order, synchronously on the calling thread. No real time passes, so tests never sleep.
/// </summary>
internal sealed class FakeTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private long _nowMs = 1_700_000_000_000;

    public long NowMs
    {
        get
        {
            lock (_lock)
            {
                return _nowMs;
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Armed timers (tests check that nothing is left running).</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count(t => t.Due != long.MaxValue);
            }
        }
    }

    /// <summary>Moves the clock forward, firing due timers in order at their due time.</summary>
    public void Advance(TimeSpan by)
    {
        long target;
        lock (_lock)
        {
            target = _nowMs + (long)by.TotalMilliseconds;
        }
        for (var fired = 0; ; fired++)
        {
            if (fired > 100_000)
            {
                throw new InvalidOperationException("timers keep firing: a timer re-arms itself without progress");
            }
            FakeTimer? next = null;
            lock (_lock)
            {
                foreach (var t in _timers)
                {
                    if (t.Due <= target && (next is null || t.Due < next.Due))
                    {
                        next = t;
                    }
                }
                if (next is null)
                {
                    _nowMs = target;
                    return;
                }
                _nowMs = Math.Max(_nowMs, next.Due);
                next.Due = next.PeriodMs > 0 ? _nowMs + next.PeriodMs : long.MaxValue;
            }
            next.Callback(next.State);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public long Due { get; set; } = long.MaxValue;

        public long PeriodMs { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : owner._nowMs + (long)dueTime.TotalMilliseconds;
                PeriodMs = period == Timeout.InfiniteTimeSpan ? 0 : (long)period.TotalMilliseconds;
            }
            return true;
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                Due = long.MaxValue;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
