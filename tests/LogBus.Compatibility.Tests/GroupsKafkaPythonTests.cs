using System.Text;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>kafka-python 2.0.2's group consumer with manual commits: a second run resumes where the first committed.</summary>
public sealed class GroupsKafkaPythonTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static async Task<(List<string> Values, Dictionary<string, long> Committed)> RunConsumerAsync(BrokerProcess broker, string group, string topic, int expect)
    {
        var result = await ExternalProcess.RunAsync("/usr/bin/python3",
            [Path.Combine(RepositoryPaths.Scripts, "groups_kafka_python.py"), "--bootstrap", broker.Bootstrap, "--group", group, "--topic", topic, "--expect", expect.ToString(System.Globalization.CultureInfo.InvariantCulture), "--idle-seconds", "3"],
            Bound);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Lines[^1]);
        var values = json.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).ToList();
        var committed = json.RootElement.GetProperty("committed").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        return (values, committed);
    }

    private static async Task ProduceAsync(BrokerProcess broker, string topic, IEnumerable<string> values)
    {
        var input = new StringBuilder();
        foreach (var v in values)
        {
            input.Append("k-").Append(v.GetHashCode() & 0xff).Append('\t').Append(v).Append('\n');
        }
        var produced = await Kcat.RunAsync(broker, input.ToString(), "-P", "-t", topic, "-K", "\t");
        Assert.True(produced.ExitCode == 0, produced.ToString());
    }

    [Fact]
    public async Task Group_consumer_commits_and_the_next_run_resumes_from_the_committed_offsets()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "3", "--group-initial-rebalance-delay-ms", "200");
        const string topic = "kafka-python-groups";
        const string group = "kafka-python-group";
        var firstBatch = Enumerable.Range(0, 300).Select(i => $"first-{i}").ToList();
        await ProduceAsync(broker, topic, firstBatch);

        var run1 = await RunConsumerAsync(broker, group, topic, 300);
        Assert.Equal(firstBatch.Order(), run1.Values.Order());
        Assert.Equal(300, run1.Committed.Values.Sum());
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            Assert.Equal(await wire.EndOffsetsAsync(topic, 3), await wire.CommittedAsync(group));
            Assert.Equal("Empty", (await wire.DescribeAsync(group)).GroupState); // it left on close
        }

        var run2 = await RunConsumerAsync(broker, group, topic, 0);
        Assert.Empty(run2.Values);

        var secondBatch = Enumerable.Range(0, 50).Select(i => $"second-{i}").ToList();
        await ProduceAsync(broker, topic, secondBatch);
        var run3 = await RunConsumerAsync(broker, group, topic, 50);
        Assert.Equal(secondBatch.Order(), run3.Values.Order());
        Assert.Equal(350, run3.Committed.Values.Sum());
    }
}
