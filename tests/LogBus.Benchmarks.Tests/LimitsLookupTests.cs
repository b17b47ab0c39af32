using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Tests;

public sealed class LimitsLookupTests
{
    [Fact]
    public void Throughput_row_is_its_bytes_per_second_over_the_bandwidth_limit()
    {
        var limits = new LimitsLookup([ReportFixtures.Limits(diskBytesPerSecond: 1e9)]);
        var row = ReportFixtures.Broker(logBus: 1_000_000, stream: 1).Rows[0]; // 250 B/msg against disk-write

        var fraction = limits.Fraction(row, 1_000_000);

        Assert.NotNull(fraction);
        Assert.Equal(0.25, fraction.Value.Fraction, 9); // 250 MB/s of 1,000 MB/s
        Assert.Contains("disk write", fraction.Value.Of, StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_row_is_the_time_of_one_fsync_over_the_latency()
    {
        var limits = new LimitsLookup([ReportFixtures.Limits(fsyncPerSecond: 250)]); // 4 ms per fsync
        var row = ReportFixtures.Latency(logBusP99: 8, peerP50: 10).Rows[1];

        Assert.Equal(0.5, limits.Fraction(row, 8)!.Value.Fraction, 9);
    }

    [Fact]
    public void No_limit_without_the_limits_workload_or_for_rows_without_one()
    {
        var row = ReportFixtures.Broker(logBus: 1_000_000, stream: 1).Rows[0];
        Assert.Null(new LimitsLookup([]).Fraction(row, 1_000_000));
        var limits = new LimitsLookup([ReportFixtures.Limits()]);
        Assert.Null(limits.Fraction(ReportFixtures.Latency(1, 1).Rows[0], 1)); // the p50 row has no limit
        Assert.Null(limits.Fraction(row, null)); // LogBus failed
    }
}
