using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LogBus.Benchmarks.Report;

/// <summary>
/// PNG charts of a run, drawn by gnuplot (Debian's gnuplot-nox): one clustered bar chart per workload
/// (LogBus and its peers per case, log scale) and one of LogBus's advantage against each target. The data
/// and scripts are kept beside the raw results; a chart gnuplot fails to draw is left out of the report.
/// </summary>
internal static class ChartWriter
{
    private static readonly TimeSpan GnuplotTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Draws the charts into <paramref name="output"/>; returns chart key → PNG file name (relative to the report).</summary>
    public static Dictionary<string, string> Draw(IReadOnlyList<BenchmarkResults> results, string output, string work)
    {
        Directory.CreateDirectory(output);
        Directory.CreateDirectory(work);
        var charts = new Dictionary<string, string>();
        foreach (var result in results.Where(r => r.Workload != "limits" && r.Rows.Count > 0))
        {
            // One unit per chart: the unit most rows of the workload use.
            var unit = result.Rows.GroupBy(r => r.Unit).OrderByDescending(g => g.Count()).First().Key;
            var rows = result.Rows.Where(r => r.Unit == unit).ToList();
            var systems = rows.SelectMany(r => r.Results).Select(r => r.System).Distinct().OrderBy(s => s == "LogBus" ? 0 : 1).ToList();
            var data = new StringBuilder();
            foreach (var row in rows)
            {
                data.Append(Label(row.Id));
                foreach (var system in systems)
                {
                    data.Append('\t').Append(Number(row.Result(system)?.Value));
                }
                data.Append('\n');
            }
            var title = $"{result.Title}: LogBus and its peers, one run ({result.Mode}); {(rows[0].HigherIsBetter ? "higher" : "lower")} is better";
            if (Plot(work, output, result.Workload, title, $"{unit} (log scale)", systems, data.ToString()))
            {
                charts[result.Workload] = result.Workload + ".png";
            }
        }

        var outcomes = results.SelectMany(r => r.Targets.Select(t => TargetOutcome.Evaluate(r, t))).ToList();
        if (outcomes.Count > 0)
        {
            // "Advantage": how many times better LogBus is, whichever way the target points (peer/LogBus for latency).
            var data = new StringBuilder();
            foreach (var o in outcomes)
            {
                var advantage = o.Ratio is { } r && r > 0 ? (o.Target.Op == "<=" ? 1 / r : r) : (double?)null;
                var required = o.Target.Op == "<=" ? 1 / o.Target.Ratio : o.Target.Ratio;
                data.Append(Label(Shorten($"{o.Target.Row} vs {o.Target.Peer}"))).Append('\t').Append(Number(advantage)).Append('\t').Append(Number(required)).Append('\n');
            }
            if (Plot(work, output, "targets", "Targets: LogBus's advantage over the peer (x), measured vs required", "times better than the peer (log scale)", ["measured", "required"], data.ToString()))
            {
                charts["targets"] = "targets.png";
            }
        }
        return charts;
    }

    private static bool Plot(string work, string output, string name, string title, string ylabel, IReadOnlyList<string> series, string data)
    {
        var dataPath = Path.Combine(work, name + ".dat");
        var scriptPath = Path.Combine(work, name + ".gp");
        var pngPath = Path.Combine(output, name + ".png");
        File.WriteAllText(dataPath, data);
        var script = new StringBuilder();
        script.Append("set terminal pngcairo size 1400,720 noenhanced font 'sans,10'\n");
        // Paths relative to the report's directory (gnuplot runs there): the committed scripts work in any clone.
        script.Append($"set output {Quote(Path.GetRelativePath(output, pngPath))}\n");
        script.Append($"set title {Quote(title)}\n");
        script.Append($"set ylabel {Quote(ylabel)}\n");
        script.Append("set datafile separator '\\t'\nset datafile missing '?'\n");
        script.Append("set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\nset boxwidth 0.9\n");
        script.Append("set logscale y\nset grid ytics\nset key outside right top\nset xtics rotate by 30 right\nset bmargin 10\nset lmargin 16\n");
        script.Append("plot ");
        for (var i = 0; i < series.Count; i++)
        {
            script.Append(i == 0 ? Quote(Path.GetRelativePath(output, dataPath)) + $" using 2:xtic(1)" : $", '' using {i + 2}");
            script.Append($" title {Quote(series[i])}");
        }
        script.Append('\n');
        File.WriteAllText(scriptPath, script.ToString());
        try
        {
            using var gnuplot = Process.Start(new ProcessStartInfo("gnuplot", [Path.GetFullPath(scriptPath)]) { RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetFullPath(output) })
                ?? throw new InvalidOperationException("gnuplot did not start");
            var errors = gnuplot.StandardError.ReadToEndAsync();
            if (!gnuplot.WaitForExit(GnuplotTimeout))
            {
                gnuplot.Kill();
                Console.Error.WriteLine($"report: gnuplot took over {GnuplotTimeout.TotalSeconds:0} s for {name}; chart left out");
                return false;
            }
            if (gnuplot.ExitCode != 0 || !File.Exists(pngPath))
            {
                Console.Error.WriteLine($"report: gnuplot failed for {name} (exit {gnuplot.ExitCode}): {errors.Result}");
                return false;
            }
            return true;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"report: cannot run gnuplot ({e.Message}); charts left out");
            return false;
        }
    }

    /// <summary>A label column of the tab-separated data file: double-quoted, so gnuplot takes it whole.</summary>
    private static string Label(string text) => "\"" + text.Replace("\"", "'", StringComparison.Ordinal).Replace("\t", " ", StringComparison.Ordinal) + "\"";

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..45] + "...";

    private static string Number(double? value) =>
        value is { } v && v > 0 && double.IsFinite(v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "?";

    /// <summary>A gnuplot string literal (single quotes; a quote doubled).</summary>
    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
