using System.Diagnostics;
using LogBus.Benchmarks.Peers;

namespace LogBus.Benchmarks.Tests;

public sealed class LatencyCollectorTests
{
    [Fact]
    public async Task Completes_at_the_expected_count_and_ignores_stragglers_of_an_earlier_run()
    {
        var collector = new LatencyCollector();
        _ = collector.Expect(10);
        var earlier = collector.Run;
        var done = collector.Expect(3);
        var now = Stopwatch.GetTimestamp();

        collector.Handled(new PeerLatencyMessage(earlier, 0, now, now, "late", 1m)); // from the earlier run
        Assert.Equal(0, collector.Count);
        for (var i = 0; i < 3; i++)
        {
            collector.Handled(new PeerLatencyMessage(collector.Run, i, now, now, "k", 1m));
        }

        await done.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, collector.Count);
    }

    [Fact]
    public void Percentiles_come_from_the_intended_send_time_or_the_actual_one()
    {
        var collector = new LatencyCollector();
        _ = collector.Expect(1000);
        var ms = Stopwatch.Frequency / 1000;
        for (var i = 1; i <= 1000; i++)
        {
            // Intended i ms before it was sent (1..1000 ms), handled right after the send: the schedule's delay
            // counts only from the intended time. (A loaded machine may add a little between send and handling.)
            var sent = Stopwatch.GetTimestamp();
            collector.Handled(new PeerLatencyMessage(collector.Run, i, sent - (i * ms), sent, "k", 1m));
        }

        var (p50, p99, p999) = collector.Percentiles(fromIntended: true);
        Assert.InRange(p50, 500, 550);
        Assert.InRange(p99, 990, 1040);
        Assert.InRange(p999, 999, 1050);
        Assert.True(p50 < p99 && p99 <= p999);
        var (s50, _, _) = collector.Percentiles(fromIntended: false);
        Assert.InRange(s50, 0, 50);
    }
}
