namespace LogBus.Benchmarks.Report;

/// <summary>
/// The machine limits measured in the same run (the <c>limits</c> workload), and LogBus's figures as a
/// fraction of them: a throughput row's messages/s times its bytes per message against a bandwidth
/// limit; a latency row against the time of one fsync (a floor no durable commit beats).
/// </summary>
internal sealed class LimitsLookup
{
    private readonly Dictionary<string, double> _limits = [];

    public LimitsLookup(IEnumerable<BenchmarkResults> results)
    {
        foreach (var row in results.Where(r => r.Workload == "limits").SelectMany(r => r.Rows))
        {
            if (row.Results.FirstOrDefault()?.Value is { } value && value > 0)
            {
                _limits[row.Id] = value;
            }
        }
    }

    /// <summary>True when the limits workload ran.</summary>
    public bool Any => _limits.Count > 0;

    /// <summary>The limit <paramref name="key"/> in its own unit, or null.</summary>
    public double? Get(string key) => _limits.TryGetValue(key, out var v) ? v : null;

    /// <summary>
    /// <paramref name="value"/> (LogBus's figure in <paramref name="row"/>) as a fraction of the row's limit,
    /// with a short description of that limit; null when the row has no limit or it was not measured.
    /// </summary>
    public (double Fraction, string Of)? Fraction(ResultRow row, double? value)
    {
        if (row.Limit is not { } key || value is not { } v || v <= 0 || Get(key) is not { } limit)
        {
            return null;
        }
        if (row.Unit == "ms" && key == "fsync")
        {
            var floorMs = 1000.0 / limit;
            return (floorMs / v, $"one fsync = {ReportFormat.Value(floorMs, "ms")}");
        }
        if (row.Unit == "msg/s" && row.LimitBytesPerUnit > 0)
        {
            var name = key switch { "disk-write" => "disk write", "loopback" => "loopback TCP", _ => key };
            return (v * row.LimitBytesPerUnit / limit, $"{name} {ReportFormat.Value(limit, "B/s")} at {ReportFormat.Number(row.LimitBytesPerUnit, "N0")} B/msg");
        }
        return null;
    }
}
