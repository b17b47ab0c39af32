using System.Diagnostics;

using LogBus.Testing;

namespace LogBus.Tests.Samples;

/// <summary>
/// Runs samples/InMemoryQuickstart (a console app on the public API only) as its own process: 100,000
/// messages over 1,000 keys on 8 partitions, each consumed exactly once in per-key order; a poison
/// message retried per policy and dead-lettered with failure headers. The app checks all of that and
/// exits 0 only when every check holds.
/// </summary>
public class InMemoryQuickstartTests
{
    [Fact]
    public async Task The_console_app_handles_100000_messages_exactly_once_in_key_order_and_dead_letters_the_poison_one()
    {
        var app = RepositoryPaths.Output("samples/InMemoryQuickstart", "InMemoryQuickstart");
        var start = new ProcessStartInfo("dotnet", [app, "--messages", "100000", "--keys", "1000", "--partitions", "8"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var text = await output + await errors;
        Assert.True(process.ExitCode == 0, text);
        Assert.Contains("ALL CHECKS PASSED", text, StringComparison.Ordinal);
        Assert.Contains("handled 99,999 exactly once, 1,000 keys in order, 1 dead-lettered", text, StringComparison.Ordinal);
        Assert.Contains("after 4 attempts: System.InvalidOperationException", text, StringComparison.Ordinal);
    }
}
