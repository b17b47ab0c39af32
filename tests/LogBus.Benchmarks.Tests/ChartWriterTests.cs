using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Tests;

/// <summary>Needs gnuplot (Debian's gnuplot-nox, installed by test.sh).</summary>
public sealed class ChartWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logbus-chart-tests-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void Draws_one_png_per_workload_and_one_of_the_targets_with_relative_paths_in_the_scripts()
    {
        var results = new[] { ReportFixtures.Broker(600_000, 100_000), ReportFixtures.Latency(5, 10), ReportFixtures.Limits() };

        var charts = ChartWriter.Draw(results, _directory, Path.Combine(_directory, "raw", "charts"));

        Assert.Equal(["broker", "latency", "targets"], charts.Keys.Order(StringComparer.Ordinal));
        foreach (var png in charts.Values)
        {
            var bytes = File.ReadAllBytes(Path.Combine(_directory, png));
            Assert.True(bytes.Length > 1000, $"{png} has {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        var script = File.ReadAllText(Path.Combine(_directory, "raw", "charts", "broker.gp"));
        Assert.Contains("set output 'broker.png'", script, StringComparison.Ordinal);
        Assert.DoesNotContain(_directory, script, StringComparison.Ordinal);
        // Missing values are '?' (gnuplot leaves a gap), not zero on a log scale.
        var data = File.ReadAllText(Path.Combine(_directory, "raw", "charts", "targets.dat"));
        Assert.Contains("\t6\t5", data, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
