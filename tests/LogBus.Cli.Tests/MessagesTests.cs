using System.Text.Json;

namespace LogBus.Cli.Tests;

/// <summary><c>logbus produce</c> and <c>logbus consume</c> against the real broker.</summary>
[Collection(nameof(BrokerCollection))]
public sealed class MessagesTests(BrokerFixture fixture)
{
    private string Bootstrap => fixture.Broker.Bootstrap;

    [Fact]
    public async Task Produced_lines_come_back_with_their_keys_in_per_key_order()
    {
        await Logbus.OkAsync(Bootstrap, "topics", "create", "cli-roundtrip", "--partitions", "4");
        var lines = Enumerable.Range(0, 60).Select(i => $"customer-{i % 6}\torder {i}").Append("no key here").ToList();
        var produced = await Logbus.RunWithInputAsync(Bootstrap, string.Join('\n', lines) + "\n", "produce", "cli-roundtrip");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.StartsWith("Produced 61 message(s) to 'cli-roundtrip'", produced.StandardOutput, StringComparison.Ordinal);

        var consumed = await Logbus.RunAsync(Bootstrap, "consume", "cli-roundtrip", "--from-beginning", "--max-messages", "61", "--timeout", "20s", "--json");
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Contains("Consumed 61 message(s).", consumed.StandardError, StringComparison.Ordinal);
        var records = consumed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(61, records.Count);
        var unkeyed = Assert.Single(records, r => r.GetProperty("key").ValueKind == JsonValueKind.Null);
        Assert.Equal("no key here", unkeyed.GetProperty("value").GetString());
        foreach (var customer in records.Where(r => r.GetProperty("key").ValueKind == JsonValueKind.String).GroupBy(r => r.GetProperty("key").GetString()))
        {
            // One key, one partition, consumed in the order it was produced.
            Assert.Single(customer.Select(r => r.GetProperty("partition").GetInt32()).Distinct());
            var numbers = customer.Select(r => int.Parse(r.GetProperty("value").GetString()!["order ".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(numbers.Order(), numbers);
            Assert.Equal(10, numbers.Count);
        }

        // Text output: the values only, or key<TAB>value.
        var text = await Logbus.OkAsync(Bootstrap, "consume", "cli-roundtrip", "--from-beginning", "-n", "61", "--timeout", "20s", "--show-key");
        Assert.Equal(lines.Order(StringComparer.Ordinal), text.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimStart('\t')).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Consume_from_an_offset_reads_that_partition_from_there_and_stops_at_the_timeout()
    {
        await Logbus.OkAsync(Bootstrap, "topics", "create", "cli-offsets", "--partitions", "2");
        var input = string.Join('\n', Enumerable.Range(0, 10).Select(i => $"m{i}")) + "\n";
        var produced = await Logbus.RunWithInputAsync(Bootstrap, input, "produce", "cli-offsets", "--partition", "1");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var consumed = await Logbus.OkAsync(Bootstrap, "consume", "cli-offsets", "--partition", "1", "--offset", "7", "--timeout", "2s");
        Assert.Equal(["m7", "m8", "m9"], consumed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Consumed 3 message(s).", consumed.StandardError, StringComparison.Ordinal);

        // Without --from-beginning a plain consumer only waits for new messages: none come, it stops at the timeout.
        var latest = await Logbus.OkAsync(Bootstrap, "consume", "cli-offsets", "--timeout", "1s");
        Assert.Equal("", latest.StandardOutput);
        Assert.Contains("Consumed 0 message(s).", latest.StandardError, StringComparison.Ordinal);
    }
}
