using System.Text;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>kafkajs 2.2.4: a consumer group of two member processes with automatic commits.</summary>
public sealed class GroupsKafkajsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string NodeDirectory => RepositoryPaths.Node;

    private static GroupsClientProcess StartMember(BrokerProcess broker, string group, string topic, string name) =>
        GroupsClientProcess.Start(name, "node", ["groups_kafkajs_consumer.js", broker.Bootstrap, group, topic, name], NodeDirectory);

    /// <summary>The partitions of <paramref name="topic"/> in the member's latest GROUP_JOIN.</summary>
    private static List<int> Assigned(GroupsClientProcess member, string topic)
    {
        var join = member.Of("join").LastOrDefault();
        if (join.ValueKind != JsonValueKind.Object || !join.GetProperty("assignment").TryGetProperty(topic, out var partitions))
        {
            return [];
        }
        return partitions.EnumerateArray().Select(p => p.GetInt32()).ToList();
    }

    [Fact]
    public async Task Two_members_split_the_partitions_consume_everything_and_commit()
    {
        await using var broker = await BrokerProcess.StartAsync("--group-initial-rebalance-delay-ms", "500");
        const string topic = "kafkajs-groups";
        const string group = "kafkajs-group";
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            await wire.CreateTopicAsync(topic, 4);
        }
        await using var a = StartMember(broker, group, topic, "kafkajs-a");
        await using var b = StartMember(broker, group, topic, "kafkajs-b");
        await GroupsClientProcess.WaitUntilAsync(
            () => Assigned(a, topic).Count > 0 && Assigned(b, topic).Count > 0 && Assigned(a, topic).Concat(Assigned(b, topic)).Distinct().Count() == 4 && Assigned(a, topic).Count + Assigned(b, topic).Count == 4
                && a.Of("join")[^1].GetProperty("leaderId").GetString() == b.Of("join")[^1].GetProperty("leaderId").GetString(),
            Bound, () => a.Describe() + "\n" + b.Describe(), a, b);

        const int count = 1000;
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            input.Append("key-").Append(i % 100).Append('\t').Append("js-").Append(i).Append('\n');
        }
        var produced = await Kcat.RunAsync(broker, input.ToString(), "-P", "-t", topic, "-K", "\t");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var expected = Enumerable.Range(0, count).Select(i => $"js-{i}").ToHashSet();
        HashSet<string> Consumed() => a.Of("msg").Concat(b.Of("msg")).Select(e => e.GetProperty("v").GetString()!).ToHashSet();
        await GroupsClientProcess.WaitUntilAsync(() => expected.SetEquals(Consumed()), Bound, () => a.Describe() + "\n" + b.Describe(), a, b);

        // Each member read exactly its own partitions.
        Assert.True(a.Of("msg").All(e => Assigned(a, topic).Contains(e.GetProperty("p").GetInt32())), a.Describe());
        Assert.True(b.Of("msg").All(e => Assigned(b, topic).Contains(e.GetProperty("p").GetInt32())), b.Describe());
        Assert.NotEmpty(a.Of("msg"));
        Assert.NotEmpty(b.Of("msg"));

        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            var described = await wire.DescribeAsync(group);
            Assert.Equal("Stable", described.GroupState);
            Assert.Equal(["kafkajs-a", "kafkajs-b"], described.Members.Select(m => m.ClientId).Order());
        }
        await a.StopAsync(Bound);
        await b.StopAsync(Bound);
        Assert.Empty(a.Of("crash").Concat(b.Of("crash")));
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            Assert.Equal(await wire.EndOffsetsAsync(topic, 4), await wire.CommittedAsync(group));
            Assert.Equal("Empty", (await wire.DescribeAsync(group)).GroupState);
        }
    }
}
