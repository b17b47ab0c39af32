using System.Text.RegularExpressions;
using LogBus.Testing;

namespace LogBus.Samples.Tests;

/// <summary>The demo mode of the built sample, run as a user runs it (<c>Orders --demo N</c>), on the embedded broker and SQLite.</summary>
public sealed partial class DemoModeTests
{
    [Fact]
    public async Task The_demo_drives_every_order_to_its_expected_final_state()
    {
        var sample = RepositoryPaths.Output("samples/Orders", "Orders");
        var workingDirectory = Path.Combine(Path.GetTempPath(), "logbus-orders-demo-" + Guid.NewGuid().ToString("N"));
        var dataDirectory = Path.Combine(workingDirectory, "data");
        Directory.CreateDirectory(workingDirectory);
        try
        {
            // The demo's own defaults (30 s payment deadline) with a smaller window of unfinished orders
            // (default 50): on a loaded test machine an answered payment must not arrive after its deadline.
            var result = await ProcessRunner.RunAsync("dotnet",
                [sample, "--demo", "200", "--in-flight", "40", $"--Orders:DataDirectory={dataDirectory}", "--Broker:Port=0"],
                TimeSpan.FromMinutes(5), workingDirectory: workingDirectory);

            Assert.True(result.ExitCode == 0, result.ToString());
            var output = result.StandardOutput;
            Assert.Contains("ALL CHECKS PASSED: every one of 200 orders reached its expected final state, all sagas completed, stock adds up", output, StringComparison.Ordinal);
            Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
            Assert.Matches(FinishedLine(), output);
            // The fixed mix: 4 unanswered payments (i % 50 == 7), 8 declined (i % 25 == 3), the rest paid or out of stock.
            var outcomes = OutcomesLine().Match(output);
            Assert.True(outcomes.Success, output);
            Assert.Contains("Cancelled/PaymentTimedOut 4", outcomes.Value, StringComparison.Ordinal);
            Assert.Contains("Cancelled/PaymentDeclined 8", outcomes.Value, StringComparison.Ordinal);
            Assert.Matches(LatencyLine(), output);
            Assert.True(File.Exists(Path.Combine(dataDirectory, "orders.db")), "the demo did not use the configured data directory");
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    [GeneratedRegex(@"Finished +200 of 200 orders in [0-9.]+ s")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"Outcomes +.*")]
    private static partial Regex OutcomesLine();

    [GeneratedRegex(@"Latency +all orders +n=200 +p50 +[0-9,]+ ms +p90 +[0-9,]+ ms +p99 +[0-9,]+ ms")]
    private static partial Regex LatencyLine();
}
