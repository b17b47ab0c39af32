namespace LogBus.Compatibility.Tests;

/// <summary>The logbus-broker host: configuration sources and their precedence, graceful SIGTERM.</summary>
public sealed class HostTests
{
    private static async Task<int> PartitionsOfNewTopicAsync(BrokerProcess broker, string topic)
    {
        var produced = await Kcat.RunAsync(broker, "k:v\n", "-P", "-t", topic, "-K", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var metadata = await Kcat.RunAsync(broker, null, "-L", "-t", topic, "-J");
        using var json = System.Text.Json.JsonDocument.Parse(metadata.StandardOutput);
        return json.RootElement.GetProperty("topics")[0].GetProperty("partitions").GetArrayLength();
    }

    [Fact]
    public async Task Appsettings_then_environment_then_command_line_configure_the_broker()
    {
        var cwd = Path.Combine(Path.GetTempPath(), "logbus-host-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(cwd);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(cwd, "appsettings.json"), """{ "Broker": { "DefaultPartitions": 3, "NodeId": 7 } }""");
            await using (var fromFile = await BrokerProcess.StartAsync(new Dictionary<string, string>(), cwd))
            {
                Assert.Equal(3, await PartitionsOfNewTopicAsync(fromFile, "t"));
                var metadata = await Kcat.RunAsync(fromFile, null, "-L", "-J");
                Assert.Contains("\"id\":7", metadata.StandardOutput.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            }
            var environment = new Dictionary<string, string> { ["LOGBUS_DEFAULT_PARTITIONS"] = "4" };
            await using (var fromEnvironment = await BrokerProcess.StartAsync(environment, cwd))
            {
                Assert.Equal(4, await PartitionsOfNewTopicAsync(fromEnvironment, "t"));
            }
            await using (var fromCommandLine = await BrokerProcess.StartAsync(environment, cwd, "--default-partitions", "2"))
            {
                Assert.Equal(2, await PartitionsOfNewTopicAsync(fromCommandLine, "t"));
            }
            var noAutoCreate = new Dictionary<string, string> { ["LOGBUS_AUTO_CREATE_TOPICS"] = "false" };
            await using (var strict = await BrokerProcess.StartAsync(noAutoCreate, cwd))
            {
                var produced = await Kcat.RunAsync(strict, "k:v\n", "-P", "-t", "never", "-K", ":", "-X", "message.timeout.ms=3000");
                Assert.Contains("Delivery failed", produced.StandardError, StringComparison.Ordinal);
                var metadata = await Kcat.RunAsync(strict, null, "-L", "-t", "never");
                Assert.Contains("Unknown topic or partition", metadata.StandardOutput, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(cwd, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_options_are_refused_with_usage()
    {
        var result = await ExternalProcess.RunAsync("dotnet", [RepositoryPaths.BrokerDll, "--listen", "nonsense", "--data-dir", Path.GetTempPath()], TimeSpan.FromMinutes(1));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--listen must be HOST:PORT", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--default-partitions", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_gracefully_with_a_clean_shutdown_marker_and_the_next_start_skips_recovery()
    {
        await using var broker = await BrokerProcess.StartAsync();
        var produced = await Kcat.RunAsync(broker, "a:1\nb:2\n", "-P", "-t", "graceful", "-K", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        await broker.TerminateAsync();
        Assert.True(File.Exists(Path.Combine(broker.DataDirectory, ".clean-shutdown")));
        await broker.RestartAsync();
        Assert.Contains("after a clean shutdown", broker.Output, StringComparison.Ordinal);
        var consumed = await Kcat.RunAsync(broker, null, "-C", "-t", "graceful", "-o", "beginning", "-e", "-f", "%k=%s\n");
        Assert.Equal(["a=1", "b=2"], consumed.Lines);
    }

    [Fact]
    public async Task Json_log_format_writes_one_structured_object_per_line()
    {
        await using var broker = await BrokerProcess.StartAsync("--log-format", "json");
        var produced = await Kcat.RunAsync(broker, "k:v\n", "-P", "-t", "json-logs", "-K", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        await broker.TerminateAsync();
        var lines = broker.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var created = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("Category").GetString() == "LogBus.Broker.Topics");
        Assert.Equal("Information", created.GetProperty("LogLevel").GetString());
        Assert.Equal("json-logs", created.GetProperty("State").GetProperty("Topic").GetString());
    }
}
