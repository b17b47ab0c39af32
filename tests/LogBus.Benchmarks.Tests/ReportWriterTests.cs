using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Tests;

public sealed class ReportWriterTests
{
    private static readonly MachineFacts Machine = MachineFacts.Parse("mode=quick\ndate=2026-11-22T06:00:00Z\ncommit=abc1234\ncores=2\nmemory=23.5 GiB\nrabbitmq=3.10.8\nload_before=1.0 1.0 1.0\nload_after=2.0 1.0 1.0\ntotal_seconds=190\nseconds_broker=60\n");

    [Fact]
    public void Workload_table_has_each_peer_the_ratio_and_the_fraction_of_the_limit()
    {
        var report = Write(ReportFixtures.Broker(logBus: 600_000, stream: 100_000), ReportFixtures.Limits(diskBytesPerSecond: 1e9));

        // 600,000 msg/s × 250 B = 150 MB/s = 15% of 1,000 MB/s.
        Assert.Contains("| produce 200 B, batch 50 [D1] | 600,000 msg/s | 100,000 msg/s | 6.00× | 15% of disk write 1,000 MB/s at 250 B/msg |", report, StringComparison.Ordinal);
        Assert.Contains("- D1: acknowledged in the page cache", report, StringComparison.Ordinal);
        Assert.Contains("| broker produce >= 5x RabbitMQ stream | 600,000 msg/s | 100,000 msg/s (RabbitMQ stream) | 6.00× | >= 5× | **MET** |", report, StringComparison.Ordinal);
        Assert.Contains("1 of 1 targets met", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Missed targets", report, StringComparison.Ordinal);
        Assert.Contains("| cores | 2 |", report, StringComparison.Ordinal);
        Assert.Contains("| rabbitmq | 3.10.8 |", report, StringComparison.Ordinal);
        Assert.Contains("| time of workload broker | 60 s |", report, StringComparison.Ordinal);
        Assert.Contains("## How to reproduce", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Missed_target_is_said_plainly_with_the_profile_behind_it()
    {
        // LogBus 2x the stream while spending a fifteenth of its CPU per message: bound by waiting, not CPU.
        var report = Write(ReportFixtures.Broker(logBus: 200_000, stream: 100_000, logBusCpuUs: 1, streamClientCpuUs: 5, streamServerCpuUs: 10));

        Assert.Contains("**MISSED**", report, StringComparison.Ordinal);
        Assert.Contains("0 of 1 targets met", report, StringComparison.Ordinal);
        Assert.Contains("### Missed targets", report, StringComparison.Ordinal);
        Assert.Contains("LogBus 1.00 µs", report, StringComparison.Ordinal);
        Assert.Contains("peer 15.00 µs (5.00 client + 10.00 RabbitMQ server)", report, StringComparison.Ordinal);
        Assert.Contains("bound by waiting, not computing", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_rows_mark_saturation_and_failures_are_visible()
    {
        var latency = ReportFixtures.Latency(logBusP99: 5, peerP50: 900, peerSaturated: true);
        var broker = ReportFixtures.Broker(logBus: 1, stream: 1);
        broker.Rows[0].Results[0].Value = null;
        broker.Rows[0].Results[0].Note = "failed: IOException: reset";
        latency.Rows[1].Results[1] = new SystemResult { System = "MassTransit RabbitMQ", Saturated = true, Note = "not run: saturated at 1,000 msg/s already" };
        var report = Write(latency, broker);

        Assert.Contains("900 ms (sat.)", report, StringComparison.Ordinal);
        Assert.Contains("**MET** (peer saturated)", report, StringComparison.Ordinal);
        Assert.Contains("met because the peer could not sustain the offered rate", report, StringComparison.Ordinal);
        Assert.Contains("| p99 at 10,000 msg/s | 5.00 ms | not run (sat. at a lower rate) | — |", report, StringComparison.Ordinal);
        Assert.Contains("| failed |", report, StringComparison.Ordinal);
        Assert.Contains("failed: IOException: reset", report, StringComparison.Ordinal);
        Assert.Contains("NOT MEASURED", report, StringComparison.Ordinal);
    }

    private static string Write(params BenchmarkResults[] results) => new ReportWriter(results, Machine, new Dictionary<string, string>()).Write();
}
