namespace LogBus;

/// <summary>
/// How often and how soon a failed handler is retried in place, before the message is dead-lettered.
/// Retries keep the partition's order: the next message of the partition (or, with key concurrency,
/// of the key) waits.
/// </summary>
public sealed class RetryPolicy
{
    private readonly TimeSpan[]? _intervals;

    private RetryPolicy(int retries, TimeSpan initialDelay, TimeSpan maxDelay, double jitter, TimeSpan[]? intervals)
    {
        Retries = retries;
        InitialDelay = initialDelay;
        MaxDelay = maxDelay;
        Jitter = jitter;
        _intervals = intervals;
    }

    /// <summary>Retries after the first attempt (total attempts = retries + 1).</summary>
    public int Retries { get; }

    /// <summary>Delay before the first retry (zero for immediate retries).</summary>
    public TimeSpan InitialDelay { get; }

    /// <summary>Upper bound of any delay.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>Random spread applied to each delay, as a fraction (0.2 = ±20 %).</summary>
    public double Jitter { get; }

    /// <summary>No retries: the first failure dead-letters the message.</summary>
    public static RetryPolicy None { get; } = new(0, TimeSpan.Zero, TimeSpan.Zero, 0, null);

    /// <summary>The default: 3 retries with exponential backoff from 100 ms (±20 % jitter), at most 5 s.</summary>
    public static RetryPolicy Default { get; } = Exponential(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>Retries <paramref name="retries"/> times without delay.</summary>
    public static RetryPolicy Immediate(int retries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        return new RetryPolicy(retries, TimeSpan.Zero, TimeSpan.Zero, 0, null);
    }

    /// <summary>
    /// Retries <paramref name="retries"/> times; the n-th retry waits <c>initialDelay * 2^(n-1)</c>,
    /// capped at <paramref name="maxDelay"/>, spread by ±<paramref name="jitter"/>.
    /// </summary>
    public static RetryPolicy Exponential(int retries, TimeSpan initialDelay, TimeSpan maxDelay, double jitter = 0.2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, initialDelay);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1.0);
        return new RetryPolicy(retries, initialDelay, maxDelay, jitter, null);
    }

    /// <summary>Retries once per given interval, waiting that long before each retry.</summary>
    public static RetryPolicy Intervals(params TimeSpan[] intervals)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        if (intervals.Any(i => i < TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(intervals), "Retry intervals cannot be negative.");
        }
        var copy = (TimeSpan[])intervals.Clone();
        return new RetryPolicy(copy.Length, copy.Length > 0 ? copy[0] : TimeSpan.Zero, copy.Length > 0 ? copy.Max() : TimeSpan.Zero, 0, copy);
    }

    /// <summary>The delay before retry number <paramref name="retry"/> (1-based).</summary>
    public TimeSpan GetDelay(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        if (_intervals is not null)
        {
            return _intervals[Math.Min(retry, _intervals.Length) - 1];
        }
        if (InitialDelay == TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }
        var factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var ticks = Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks);
        if (Jitter > 0)
        {
            ticks *= 1 + ((Random.Shared.NextDouble() * 2) - 1) * Jitter;
        }
        return TimeSpan.FromTicks((long)Math.Clamp(ticks, 0, MaxDelay.Ticks));
    }

    /// <inheritdoc />
    public override string ToString() => Retries == 0
        ? "no retries"
        : _intervals is not null
            ? $"{Retries} retries at intervals {string.Join(", ", _intervals)}"
            : InitialDelay == TimeSpan.Zero
                ? $"{Retries} immediate retries"
                : $"{Retries} retries, exponential from {InitialDelay} to {MaxDelay}";
}
