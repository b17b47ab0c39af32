using System.Diagnostics;
using LogBus.Protocol;

namespace LogBus.Broker.Server;

/// <summary>
/// Broker-side request times per API key: from the moment the read that completed a request frame
/// returned to the moment its response was handed to the kernel (Kafka's TotalTimeMs minus the time
/// the request spent in the client's socket). Fixed log-linear buckets (8 per power of two of
/// microseconds, up to several minutes), lock-free recording.
/// </summary>
/// <remarks>Bound: 128 API keys × <see cref="BucketCount"/> counters, allocated per key on first use.
/// Recording is one <see cref="Interlocked.Increment(ref long)"/>; a snapshot taken while requests
/// are recorded may miss the ones in flight (diagnostics, not accounting).</remarks>
internal sealed class RequestTimeHistogram
{
    private const int SubBucketBits = 3;
    private const int SubBuckets = 1 << SubBucketBits;

    /// <summary>Buckets per API key.</summary>
    public const int BucketCount = 27 * SubBuckets;

    private readonly long[]?[] _counts = new long[128][];

    /// <summary>Records one request of <paramref name="apiKey"/> that took from <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp) until now.</summary>
    public void Record(ApiKey apiKey, long startTimestamp)
    {
        var key = (int)apiKey;
        if ((uint)key >= (uint)_counts.Length)
        {
            return;
        }
        var counts = _counts[key] ?? CreateCounts(key);
        var micros = (Stopwatch.GetTimestamp() - startTimestamp) * 1_000_000 / Stopwatch.Frequency;
        Interlocked.Increment(ref counts[BucketOf(micros)]);
    }

    /// <summary>Number of requests of <paramref name="apiKey"/> recorded since the last <see cref="Reset"/>.</summary>
    public long Count(ApiKey apiKey) => Volatile.Read(ref _counts[(int)apiKey]) is { } counts ? counts.Sum() : 0;

    /// <summary>
    /// The <paramref name="quantile"/> (0..1) of the recorded times of <paramref name="apiKey"/> in
    /// milliseconds (the upper bound of its bucket, so at most 12.5% high); NaN when nothing was recorded.
    /// </summary>
    public double PercentileMs(ApiKey apiKey, double quantile)
    {
        if (Volatile.Read(ref _counts[(int)apiKey]) is not { } counts)
        {
            return double.NaN;
        }
        var snapshot = (long[])counts.Clone();
        var total = snapshot.Sum();
        if (total == 0)
        {
            return double.NaN;
        }
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < snapshot.Length; i++)
        {
            seen += snapshot[i];
            if (seen >= Math.Max(1, rank))
            {
                return UpperBoundMicros(i) / 1000.0;
            }
        }
        return UpperBoundMicros(snapshot.Length - 1) / 1000.0;
    }

    /// <summary>Forgets everything recorded so far (benchmarks reset between phases).</summary>
    public void Reset()
    {
        foreach (var counts in _counts)
        {
            if (counts is not null)
            {
                for (var i = 0; i < counts.Length; i++)
                {
                    Interlocked.Exchange(ref counts[i], 0);
                }
            }
        }
    }

    private long[] CreateCounts(int key)
    {
        var fresh = new long[BucketCount];
        return Interlocked.CompareExchange(ref _counts[key], fresh, null) ?? fresh;
    }

    /// <summary>Bucket of a time in microseconds: exact below <see cref="SubBuckets"/>, then 8 buckets per power of two.</summary>
    internal static int BucketOf(long micros)
    {
        if (micros < SubBuckets)
        {
            return (int)Math.Max(0, micros);
        }
        var exponent = 63 - (int)long.LeadingZeroCount(micros); // >= SubBucketBits
        var sub = (int)(micros >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        var bucket = ((exponent - SubBucketBits + 1) << SubBucketBits) + sub;
        return Math.Min(bucket, BucketCount - 1);
    }

    /// <summary>Largest time in microseconds that falls into <paramref name="bucket"/>.</summary>
    internal static long UpperBoundMicros(int bucket)
    {
        if (bucket < SubBuckets)
        {
            return bucket;
        }
        var exponent = (bucket >> SubBucketBits) + SubBucketBits - 1;
        var sub = bucket & (SubBuckets - 1);
        var lower = (1L << exponent) + ((long)sub << (exponent - SubBucketBits));
        return lower + (1L << (exponent - SubBucketBits)) - 1;
    }
}
