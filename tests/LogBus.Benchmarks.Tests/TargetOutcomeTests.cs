using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Tests;

public sealed class TargetOutcomeTests
{
    [Fact]
    public void At_least_target_is_met_at_and_above_the_ratio_and_missed_below()
    {
        var met = Evaluate(ReportFixtures.Broker(logBus: 500_000, stream: 100_000));
        Assert.Equal(5.0, met.Ratio!.Value, 9);
        Assert.True(met.Met);
        Assert.Equal("MET", met.Verdict);

        var missed = Evaluate(ReportFixtures.Broker(logBus: 499_000, stream: 100_000));
        Assert.False(missed.Met);
        Assert.Equal("MISSED", missed.Verdict);
    }

    [Fact]
    public void At_most_target_compares_values_from_two_rows()
    {
        // LogBus p99 (row latency-10000-p99) against the peer's p50 (row latency-10000-p50).
        var met = Evaluate(ReportFixtures.Latency(logBusP99: 20, peerP50: 40));
        Assert.Equal(0.5, met.Ratio!.Value, 9);
        Assert.True(met.Met);

        var missed = Evaluate(ReportFixtures.Latency(logBusP99: 41, peerP50: 40));
        Assert.False(missed.Met);
    }

    [Fact]
    public void Missing_value_is_not_measured_rather_than_met_or_missed()
    {
        var results = ReportFixtures.Broker(logBus: 500_000, stream: 100_000);
        results.Rows[0].Results[1].Value = null; // the peer failed
        var outcome = Evaluate(results);
        Assert.Null(outcome.Ratio);
        Assert.Null(outcome.Met);
        Assert.Equal("NOT MEASURED", outcome.Verdict);
    }

    private static TargetOutcome Evaluate(BenchmarkResults results) => TargetOutcome.Evaluate(results, results.Targets[0]);
}
