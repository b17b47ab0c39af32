namespace LogBus.Benchmarks.Report;

/// <summary>
/// The machine-readable output of one workload (<c>--json FILE</c>), read by the <c>report</c> command.
/// Every workload writes the same shape: rows of measurements (LogBus and its peers side by side), the
/// targets that compare them, and notes that say what was measured and how.
/// </summary>
internal sealed class BenchmarkResults
{
    /// <summary>Short key of the workload: <c>limits</c>, <c>broker</c>, <c>framework</c>, <c>latency</c>, <c>outbox</c>.</summary>
    public string Workload { get; set; } = "";

    /// <summary>Heading of the workload's section in the report.</summary>
    public string Title { get; set; } = "";

    /// <summary><c>quick</c> or <c>full</c>.</summary>
    public string Mode { get; set; } = "";

    /// <summary>One line per system: what it is and how it was configured (durability, tuning).</summary>
    public Dictionary<string, string> Systems { get; set; } = [];

    /// <summary>The measurements, in table order.</summary>
    public List<ResultRow> Rows { get; set; } = [];

    /// <summary>Targets comparing LogBus with a peer in these rows.</summary>
    public List<TargetSpec> Targets { get; set; } = [];

    /// <summary>Paragraphs for the report: method, caveats.</summary>
    public List<string> Notes { get; set; } = [];

    /// <summary>The row with <paramref name="id"/>, or null.</summary>
    public ResultRow? Row(string id) => Rows.FirstOrDefault(r => r.Id == id);
}
