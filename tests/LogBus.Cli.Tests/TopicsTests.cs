namespace LogBus.Cli.Tests;

/// <summary><c>logbus topics</c> against the real broker: create (with a config), list, describe, delete.</summary>
[Collection(nameof(BrokerCollection))]
public sealed class TopicsTests(BrokerFixture fixture)
{
    private string Bootstrap => fixture.Broker.Bootstrap;

    [Fact]
    public async Task Create_list_describe_and_delete_a_topic()
    {
        var created = await Logbus.OkAsync(Bootstrap, "topics", "create", "cli-topics", "--partitions", "3", "--config", "retention.ms=3600000");
        Assert.Contains("Topic 'cli-topics' is ready with 3 partition(s).", created.StandardOutput, StringComparison.Ordinal);

        // Table: a header, aligned columns (each column starts at the same position on every line).
        var list = await Logbus.OkAsync(Bootstrap, "topics", "list");
        var lines = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("TOPIC", lines[0], StringComparison.Ordinal);
        var row = Assert.Single(lines, l => l.StartsWith("cli-topics ", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("PARTITIONS", StringComparison.Ordinal) + "PARTITIONS".Length - 1, row.IndexOf('3', "cli-topics".Length));

        var json = await Logbus.JsonAsync(Bootstrap, "topics", "list");
        var topic = Assert.Single(json.EnumerateArray(), t => t.GetProperty("name").GetString() == "cli-topics");
        Assert.Equal(3, topic.GetProperty("partitions").GetInt32());
        Assert.False(topic.GetProperty("internal").GetBoolean());

        var described = await Logbus.JsonAsync(Bootstrap, "topics", "describe", "cli-topics");
        var partitions = described.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p =>
        {
            Assert.Equal(0, p.GetProperty("leader").GetInt32());
            Assert.Equal(0, p.GetProperty("startOffset").GetInt64());
            Assert.Equal(0, p.GetProperty("endOffset").GetInt64());
        });

        var again = await Logbus.RunAsync(Bootstrap, "topics", "create", "cli-topics");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("logbus: topic 'cli-topics' already exists", again.StandardError.Trim());
        await Logbus.OkAsync(Bootstrap, "topics", "create", "cli-topics", "--if-not-exists");

        var deleted = await Logbus.OkAsync(Bootstrap, "topics", "delete", "cli-topics");
        Assert.Contains("Topic 'cli-topics' deleted.", deleted.StandardOutput, StringComparison.Ordinal);
        var gone = await Logbus.RunAsync(Bootstrap, "topics", "describe", "cli-topics");
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal("logbus: unknown topic 'cli-topics'", gone.StandardError.Trim());
        Assert.Equal("", gone.StandardOutput);
    }

    [Fact]
    public async Task A_bad_config_is_refused_with_the_brokers_error()
    {
        var result = await Logbus.RunAsync(Bootstrap, "topics", "create", "cli-bad-config", "--config", "no.such.setting=1");
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("logbus: creating topic 'cli-bad-config' failed", line, StringComparison.Ordinal);
        Assert.EndsWith("(INVALID_CONFIG)", line, StringComparison.Ordinal);
    }
}
