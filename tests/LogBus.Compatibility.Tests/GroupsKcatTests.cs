using System.Text;
using System.Text.RegularExpressions;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// kcat's balanced consumer (<c>-G</c>, librdkafka 2.0.2) as two members of one group, and committed
/// offsets across broker restarts (kill -9 and clean).
/// </summary>
public sealed partial class GroupsKcatTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"rebalanced \(memberid [^)]*\): assigned: (.*)$", RegexOptions.Multiline)]
    private static partial Regex AssignedLine();

    private static List<int> LastAssignment(GroupsClientProcess member)
    {
        var matches = AssignedLine().Matches(member.Stderr);
        if (matches.Count == 0)
        {
            return [];
        }
        return Regex.Matches(matches[^1].Groups[1].Value, @"\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }

    private static GroupsClientProcess StartMember(BrokerProcess broker, string group, string topic, string name) =>
        GroupsClientProcess.Start(name, "kcat",
        [
            "-b", broker.Bootstrap, "-G", group, "-J", "-u",
            "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000",
            "-X", $"client.id={name}", topic,
        ]);

    private static HashSet<string> Payloads(params GroupsClientProcess[] members) =>
        members.SelectMany(m => m.Events).Select(e => e.GetProperty("payload").GetString()!).ToHashSet();

    [Fact]
    public async Task Two_balanced_members_share_the_partitions_commit_and_the_offsets_survive_kill_9_and_clean_restarts()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "4", "--group-initial-rebalance-delay-ms", "500");
        const string topic = "kcat-groups";
        const string group = "kcat-group";
        var first = await Kcat.RunAsync(broker, "k0\tcreate\n", "-P", "-t", topic, "-K", "\t");
        Assert.True(first.ExitCode == 0, first.ToString());

        await using var a = StartMember(broker, group, topic, "kcat-a");
        await using var b = StartMember(broker, group, topic, "kcat-b");
        await GroupsClientProcess.WaitUntilAsync(
            () => LastAssignment(a).Count == 2 && LastAssignment(b).Count == 2,
            Bound, () => a.Describe() + "\n" + b.Describe(), a, b);
        Assert.Empty(LastAssignment(a).Intersect(LastAssignment(b)));

        const int count = 2000;
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            input.Append("key-").Append(i % 200).Append('\t').Append("value-").Append(i).Append('\n');
        }
        var produced = await Kcat.RunAsync(broker, input.ToString(), "-P", "-t", topic, "-K", "\t");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var expected = Enumerable.Range(0, count).Select(i => $"value-{i}").Append("create").ToHashSet();
        await GroupsClientProcess.WaitUntilAsync(() => expected.IsSubsetOf(Payloads(a, b)), Bound, () => a.Describe() + "\n" + b.Describe(), a, b);

        // Each member consumed only its own partitions, and both had some.
        var partitionsA = a.Events.Select(e => e.GetProperty("partition").GetInt32()).ToHashSet();
        var partitionsB = b.Events.Select(e => e.GetProperty("partition").GetInt32()).ToHashSet();
        Assert.NotEmpty(partitionsA);
        Assert.NotEmpty(partitionsB);
        Assert.Empty(partitionsA.Intersect(partitionsB));
        Assert.Equal(count + 1, a.Events.Count + b.Events.Count); // nothing twice: no rebalance happened meanwhile

        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            var described = await wire.DescribeAsync(group);
            Assert.Equal("Stable", described.GroupState);
            Assert.Equal("consumer", described.ProtocolType);
            Assert.Equal(2, described.Members.Count);
            Assert.Equal(["kcat-a", "kcat-b"], described.Members.Select(m => m.ClientId).Order());
            Assert.All(described.Members, m => Assert.Equal("/127.0.0.1", m.ClientHost));
        }

        // Graceful stop: kcat commits its final offsets and leaves the group.
        await a.StopAsync(Bound);
        await b.StopAsync(Bound);
        Dictionary<(string, int), long> committed;
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            var ends = await wire.EndOffsetsAsync(topic, 4);
            committed = await wire.CommittedAsync(group);
            Assert.Equal(ends, committed);
            Assert.Equal(count + 1, committed.Values.Sum());
            Assert.Equal("Empty", (await wire.DescribeAsync(group)).GroupState);
        }

        await broker.RestartAsync(); // kill -9
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            Assert.Equal(committed, await wire.CommittedAsync(group));
        }
        await broker.TerminateAsync(); // clean stop
        await broker.RestartAsync();
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            Assert.Equal(committed, await wire.CommittedAsync(group));
        }

        // A new member of the group resumes from the committed offsets: it sees only new messages.
        await using var c = StartMember(broker, group, topic, "kcat-c");
        await GroupsClientProcess.WaitUntilAsync(() => LastAssignment(c).Count == 4, Bound, c.Describe, c);
        var more = await Kcat.RunAsync(broker, "key-1\tafter-restart-1\nkey-2\tafter-restart-2\nkey-3\tafter-restart-3\n", "-P", "-t", topic, "-K", "\t");
        Assert.True(more.ExitCode == 0, more.ToString());
        await GroupsClientProcess.WaitUntilAsync(() => Payloads(c).Count >= 3, Bound, c.Describe, c);
        await c.StopAsync(Bound);
        Assert.Equal(["after-restart-1", "after-restart-2", "after-restart-3"], Payloads(c).Order());
    }
}
