using LogBus.Compatibility.Tests;

namespace LogBus.Transport.Kafka.Tests.Samples;

/// <summary>
/// Runs samples/KafkaEmbeddedQuickstart (public API only, UsingEmbeddedBroker) as its own process,
/// twice on one data directory: the first run sends 100,000 typed messages over 1,000 keys and checks
/// each arrives once in per-key order; the restarted app sends a new batch and checks it consumes only
/// that batch, i.e. nothing from the first run again (the group resumed from its committed offsets).
/// </summary>
public sealed class KafkaEmbeddedQuickstartTests
{
    private static string App => Path.Combine(RepositoryPaths.Root, "samples", "KafkaEmbeddedQuickstart", "bin", RepositoryPaths.Configuration, "net10.0", "KafkaEmbeddedQuickstart.dll");

    [Fact]
    public async Task The_app_delivers_100000_messages_in_key_order_and_a_restart_consumes_nothing_twice()
    {
        var data = Path.Combine(Path.GetTempPath(), "logbus-quickstart-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = await ExternalProcess.RunAsync("dotnet", [App, "--data", data, "--port", "0", "--run", "1", "--messages", "100000", "--keys", "1000"], TimeSpan.FromMinutes(6));
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Contains("run 1: handled 100,000 exactly once, 1,000 keys in order, 0 from earlier runs", first.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("ALL CHECKS PASSED", first.StandardOutput, StringComparison.Ordinal);

            var second = await ExternalProcess.RunAsync("dotnet", [App, "--data", data, "--port", "0", "--run", "2", "--messages", "10000", "--keys", "1000"], TimeSpan.FromMinutes(6));
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Contains("run 2: handled 10,000 exactly once, 1,000 keys in order, 0 from earlier runs", second.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("ALL CHECKS PASSED", second.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
