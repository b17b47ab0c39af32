namespace LogBus.Benchmarks.Report;

/// <summary>
/// Turns one run's raw results (<c>raw/*.json</c> from the workloads' <c>--json</c>, and
/// <c>raw/machine.env</c> from <c>benchmarks/run.sh</c>) into <c>REPORT.md</c>, and with <c>--charts</c>
/// into PNG charts drawn by gnuplot. The report reads fine without the charts.
/// </summary>
internal sealed class ReportCommand : IBenchmark
{
    public string Name => "report";

    public string Description => "writes REPORT.md (and PNG charts with --charts, via gnuplot) from a run's raw results: --raw DIR [--out DIR] [--charts]";

    public Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var raw = options.String("--raw", "benchmarks/results/raw");
        var output = options.String("--out", Path.GetDirectoryName(Path.GetFullPath(raw)) ?? ".");
        if (!Directory.Exists(raw))
        {
            Console.Error.WriteLine($"report: no directory {raw}");
            return Task.FromResult(2);
        }
        var machinePath = Path.Combine(raw, "machine.env");
        var machine = File.Exists(machinePath) ? MachineFacts.Parse(File.ReadAllText(machinePath)) : new MachineFacts();
        var results = ResultsFile.ReadAll(raw);
        var charts = options.Has("--charts") ? ChartWriter.Draw(results, output, Path.Combine(raw, "charts")) : [];
        var report = new ReportWriter(results, machine, charts).Write();
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, "REPORT.md");
        File.WriteAllText(path, report);
        Console.WriteLine($"report: {path} ({results.Count} workloads, {charts.Count} charts)");
        foreach (var outcome in results.SelectMany(r => r.Targets.Select(t => TargetOutcome.Evaluate(r, t))))
        {
            Console.WriteLine($"  {outcome.Verdict,-12} {outcome.Target.Name}: ratio {ReportFormat.Ratio(outcome.Ratio)} (required {outcome.Target.Op} {outcome.Target.Ratio:0.##})");
        }
        return Task.FromResult(0);
    }
}
