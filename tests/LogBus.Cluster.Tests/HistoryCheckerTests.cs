namespace LogBus.Cluster.Tests;

/// <summary>The checker finds each kind of anomaly (so a green fault test means something).</summary>
public sealed class HistoryCheckerTests
{
    private static string Send(string v) => $$"""{"t":"send","v":"{{v}}"}""";

    private static string Ack(string v, int p, long o) => $$"""{"t":"ack","v":"{{v}}","p":{{p}},"o":{{o}}}""";

    private static string Read(string c, int p, long o, string v) => $$"""{"t":"read","c":"{{c}}","p":{{p}},"o":{{o}},"v":"{{v}}"}""";

    private static string Log(int p, long o, string v) => $$"""{"p":{{p}},"o":{{o}},"v":"{{v}}"}""";

    [Fact]
    public void Clean_history_is_valid()
    {
        var report = HistoryChecker.Check(
            [Send("a-0"), Send("a-1"), Send("a-2"), Ack("a-0", 0, 0), Ack("a-1", 0, 1), """{"t":"fail","v":"a-2","err":"x"}""", Read("c1", 0, 0, "a-0"), Read("c1", 0, 1, "a-1"),
             """{"t":"assign","c":"c1","parts":[0]}""", Read("c1", 0, 0, "a-0")],
            [Log(0, 0, "a-0"), Log(0, 1, "a-1"), Log(0, 2, "a-2")]);
        Assert.True(report.Valid, report.ToString());
        Assert.Equal(2, report.Acked);
        Assert.Equal(1, report.Failed);
    }

    [Fact]
    public void Lost_acknowledged_write_is_found()
    {
        var report = HistoryChecker.Check([Send("a-0"), Send("a-1"), Ack("a-0", 0, 0), Ack("a-1", 0, 1)], [Log(0, 0, "a-0")]);
        Assert.Contains(report.Errors, e => e.StartsWith("lost write: a-1", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_is_found()
    {
        var report = HistoryChecker.Check([Send("a-0"), Ack("a-0", 0, 0)], [Log(0, 0, "a-0"), Log(0, 1, "a-0")]);
        Assert.Contains(report.Errors, e => e.StartsWith("duplicate: a-0", StringComparison.Ordinal));
    }

    [Fact]
    public void Inconsistent_offset_is_found()
    {
        var report = HistoryChecker.Check([Send("a-0"), Send("a-1"), Ack("a-0", 0, 1), Ack("a-1", 0, 0)], [Log(0, 0, "a-0"), Log(0, 1, "a-1")]);
        Assert.Contains(report.Errors, e => e.StartsWith("inconsistent offsets: a-0 acknowledged at (0, 1) but found at (0, 0)", StringComparison.Ordinal));
        var readMismatch = HistoryChecker.Check([Send("a-0"), Read("c", 0, 0, "a-9")], [Log(0, 0, "a-0")]);
        Assert.Contains(readMismatch.Errors, e => e.StartsWith("inconsistent offsets: consumer c read a-9", StringComparison.Ordinal));
    }

    [Fact]
    public void Reordering_within_a_partition_is_found()
    {
        var report = HistoryChecker.Check([Send("a-0"), Send("a-1")], [Log(0, 0, "a-1"), Log(0, 1, "a-0")]);
        Assert.Contains(report.Errors, e => e.StartsWith("order: partition 0 has a-0", StringComparison.Ordinal));
    }

    [Fact]
    public void Non_monotonic_read_is_found_but_rereads_after_reassignment_are_allowed()
    {
        string[] log = [Log(0, 0, "a-0"), Log(0, 1, "a-1")];
        var bad = HistoryChecker.Check([Send("a-0"), Send("a-1"), Read("c", 0, 1, "a-1"), Read("c", 0, 0, "a-0")], log);
        Assert.Contains(bad.Errors, e => e.StartsWith("non-monotonic read: consumer c read partition 0 offset 0", StringComparison.Ordinal));
        var ok = HistoryChecker.Check([Send("a-0"), Send("a-1"), Read("c", 0, 1, "a-1"), """{"t":"revoke","c":"c","parts":[0]}""", Read("c", 0, 0, "a-0")], log);
        Assert.True(ok.Valid, ok.ToString());
    }

    [Fact]
    public void Phantom_value_is_found()
    {
        var report = HistoryChecker.Check([Send("a-0")], [Log(0, 0, "a-0"), Log(0, 1, "b-0")]);
        Assert.Contains(report.Errors, e => e.StartsWith("phantom: b-0", StringComparison.Ordinal));
    }
}
