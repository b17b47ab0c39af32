using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>kafkajs 2.2.4 (npm, lockfile committed; test.sh runs npm ci): admin, producer, fetch.</summary>
public sealed class KafkaJsTests
{
    [Fact]
    public async Task Kafkajs_creates_a_topic_produces_and_fetches_the_data_back()
    {
        var script = Path.Combine(RepositoryPaths.Node, "kafkajs_roundtrip.js");
        Assert.True(Directory.Exists(Path.Combine(RepositoryPaths.Node, "node_modules", "kafkajs")), "kafkajs is not installed: run ./test.sh (npm ci in " + RepositoryPaths.Node + ")");
        await using var broker = await BrokerProcess.StartAsync("--auto-create-topics", "false");
        const int count = 3000;
        var result = await ExternalProcess.RunAsync("node", [script, broker.Bootstrap, "js-topic", "3", count.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3), workingDirectory: RepositoryPaths.Node);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

        Assert.True(lines[0].GetProperty("created").GetBoolean());
        Assert.False(lines[1].GetProperty("createdAgain").GetBoolean()); // TOPIC_ALREADY_EXISTS is reported as "not created"
        var acks = lines.Single(l => l.TryGetProperty("acks", out _)).GetProperty("acks").EnumerateArray().ToList();
        Assert.All(acks, a => Assert.Equal(0, a.GetProperty("err").GetInt32()));
        var offsets = lines.Single(l => l.TryGetProperty("offsets", out _)).GetProperty("offsets").EnumerateArray().ToList();
        Assert.Equal(3, offsets.Count);
        Assert.Equal(count, offsets.Sum(o => long.Parse(o.GetProperty("high").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(offsets, o => Assert.Equal("0", o.GetProperty("low").GetString()));

        var records = lines.Where(l => l.TryGetProperty("rec", out _)).ToList();
        Assert.Equal(count, records.Count);
        Assert.True(lines[^1].GetProperty("done").GetBoolean());
        var values = records.Select(r => r.GetProperty("rec").GetString()!).ToHashSet();
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"value-{i}").ToHashSet(), values);
        foreach (var r in records)
        {
            var i = int.Parse(r.GetProperty("rec").GetString()!["value-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"key-{i % 13}", r.GetProperty("k").GetString());
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetProperty("h").GetString());
        }
        foreach (var partition in records.GroupBy(r => r.GetProperty("p").GetInt32()))
        {
            var high = long.Parse(offsets.Single(o => o.GetProperty("p").GetInt32() == partition.Key).GetProperty("high").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Enumerable.Range(0, (int)high).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), partition.Select(r => r.GetProperty("o").GetString()));
            Assert.All(partition, r => Assert.Equal(high.ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetProperty("lso").GetString()));
        }
    }
}
