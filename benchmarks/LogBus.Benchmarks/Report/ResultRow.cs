namespace LogBus.Benchmarks.Report;

/// <summary>One case of a workload measured for LogBus and its peers (one line of the report's table).</summary>
internal sealed class ResultRow
{
    /// <summary>Stable key that targets refer to, e.g. <c>produce-200-b1-acked</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>What was measured, e.g. <c>produce 200 B, batch 1</c>.</summary>
    public string Case { get; set; } = "";

    /// <summary>The guarantee every system in this row gives (equal durability within a row).</summary>
    public string Durability { get; set; } = "";

    /// <summary>Unit of <see cref="SystemResult.Value"/>: <c>msg/s</c>, <c>ms</c>, <c>B/s</c>, <c>fsync/s</c>.</summary>
    public string Unit { get; set; } = "msg/s";

    /// <summary>True for throughput, false for latency.</summary>
    public bool HigherIsBetter { get; set; } = true;

    /// <summary>
    /// Key of the machine limit this row is compared with (<c>disk-write</c>, <c>loopback</c>, <c>fsync</c>),
    /// or null. Bandwidth limits are converted to this row's unit with <see cref="LimitBytesPerUnit"/>; the
    /// fsync limit of a latency row is the time of one fsync (a floor).
    /// </summary>
    public string? Limit { get; set; }

    /// <summary>Bytes one unit of this row moves (wire bytes per message), to turn a bandwidth limit into msg/s.</summary>
    public double LimitBytesPerUnit { get; set; }

    /// <summary>LogBus first, then the peers.</summary>
    public List<SystemResult> Results { get; set; } = [];

    /// <summary>The result of <paramref name="system"/>, or null.</summary>
    public SystemResult? Result(string system) => Results.FirstOrDefault(r => r.System == system);
}
