using System.Globalization;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// confluent-kafka-python (librdkafka 2.0.2) consumer processes in one group on a 6-partition topic
/// while a producer writes: members join, leave and restart; session expiry of a stopped member.
/// </summary>
public sealed class GroupsConfluentTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static GroupsClientProcess StartConsumer(BrokerProcess broker, string group, string topic, string name) =>
        GroupsClientProcess.Start(name, "/usr/bin/python3",
        [
            Path.Combine(RepositoryPaths.Scripts, "groups_confluent_consumer.py"),
            "--bootstrap", broker.Bootstrap, "--group", group, "--topic", topic, "--name", name,
            "--session-timeout-ms", "6000", "--heartbeat-interval-ms", "500", "--commit-every", "20",
        ]);

    private static GroupsClientProcess StartProducer(BrokerProcess broker, string topic, int count, int rate, string prefix) =>
        GroupsClientProcess.Start("producer", "/usr/bin/python3",
        [
            Path.Combine(RepositoryPaths.Scripts, "groups_confluent_producer.py"),
            "--bootstrap", broker.Bootstrap, "--topic", topic, "--count", count.ToString(CultureInfo.InvariantCulture),
            "--rate", rate.ToString(CultureInfo.InvariantCulture), "--prefix", prefix,
        ]);

    private static string Kind(JsonElement e) => e.GetProperty("ev").GetString()!;

    /// <summary>The partitions of the member's latest assignment (empty after a revoke or before the first).</summary>
    private static List<int> Current(GroupsClientProcess member)
    {
        var last = member.Events.LastOrDefault(e => Kind(e) is "assign" or "revoke" or "exit");
        return last.ValueKind == JsonValueKind.Object && Kind(last) == "assign"
            ? last.GetProperty("parts").EnumerateArray().Select(p => p.GetInt32()).ToList()
            : [];
    }

    /// <summary>True when the live members' current assignments are disjoint and cover all partitions, each member having some.</summary>
    private static bool Balanced(int partitions, params GroupsClientProcess[] members)
    {
        var all = members.Select(Current).ToList();
        return all.All(a => a.Count > 0) && all.Sum(a => a.Count) == partitions && all.SelectMany(a => a).Distinct().Count() == partitions;
    }

    private static string Describe(IEnumerable<GroupsClientProcess> members) => string.Join("\n", members.Select(m => m.Describe()));

    [Fact]
    public async Task Three_consumers_join_leave_and_restart_while_a_producer_writes_and_every_message_is_consumed_with_exclusive_ownership()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "6", "--group-initial-rebalance-delay-ms", "500");
        const string topic = "confluent-groups";
        const string group = "confluent-group";
        const int count = 3000;
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            await wire.CreateTopicAsync(topic, 6);
        }
        var members = new List<GroupsClientProcess>();
        try
        {
            var c1 = StartConsumer(broker, group, topic, "c1");
            var c2 = StartConsumer(broker, group, topic, "c2");
            members.AddRange([c1, c2]);
            await GroupsClientProcess.WaitUntilAsync(() => Balanced(6, c1, c2), Bound, () => Describe(members), c1, c2);

            var producer = StartProducer(broker, topic, count, 250, "m"); // ~12 s of writes
            members.Add(producer);
            await GroupsClientProcess.WaitUntilAsync(() => c1.Of("msg").Count + c2.Of("msg").Count >= 300, Bound, () => Describe(members), c1, c2);

            // A third member joins.
            var c3 = StartConsumer(broker, group, topic, "c3");
            members.Add(c3);
            await GroupsClientProcess.WaitUntilAsync(() => Balanced(6, c1, c2, c3), Bound, () => Describe(members), c1, c2, c3);

            // c1 leaves gracefully (commit, LeaveGroup); the others take over its partitions.
            await c1.StopAsync(Bound);
            await GroupsClientProcess.WaitUntilAsync(() => Balanced(6, c2, c3), Bound, () => Describe(members), c2, c3);

            // c1 restarts (a new process with the same name) and rejoins.
            var c1b = StartConsumer(broker, group, topic, "c1");
            members.Add(c1b);
            await GroupsClientProcess.WaitUntilAsync(() => Balanced(6, c1b, c2, c3), Bound, () => Describe(members), c1b, c2, c3);

            await GroupsClientProcess.WaitUntilAsync(() => producer.HasExited, Bound, () => Describe(members), producer);
            var report = producer.Events.Single();
            Assert.True(report.GetProperty("delivered").GetInt32() == count, producer.Describe());
            var consumers = new[] { c1, c2, c3, c1b };
            var expected = Enumerable.Range(0, count).Select(i => $"m-{i}").ToHashSet();
            await GroupsClientProcess.WaitUntilAsync(
                () => expected.IsSubsetOf(consumers.SelectMany(c => c.Of("msg")).Select(e => e.GetProperty("v").GetString()!)),
                Bound, () => Describe(members), consumers);
            foreach (var c in new[] { c1b, c2, c3 })
            {
                await c.StopAsync(Bound);
            }

            // Every message consumed; nothing foreign.
            var consumed = consumers.SelectMany(c => c.Of("msg")).Select(e => e.GetProperty("v").GetString()!).ToList();
            Assert.True(expected.SetEquals(consumed), "consumed values differ from produced ones");

            // Exclusive ownership: between a member's assign and its next revoke/exit it owns the
            // partitions; those intervals never overlap for two members (timestamps: CLOCK_MONOTONIC,
            // shared by the processes). With eager rebalancing a generation's owners are disjoint, and a
            // new owner's assignment comes after the previous owner's revoke.
            var intervals = new List<(string Member, int Partition, double From, double To)>();
            var processIndex = 0;
            foreach (var c in consumers)
            {
                var name = $"{c.Name}#{processIndex++}";
                var events = c.Events;
                for (var i = 0; i < events.Count; i++)
                {
                    if (Kind(events[i]) != "assign")
                    {
                        continue;
                    }
                    var end = events.Skip(i + 1).First(e => Kind(e) is "revoke" or "exit");
                    foreach (var p in events[i].GetProperty("parts").EnumerateArray())
                    {
                        intervals.Add((name, p.GetInt32(), events[i].GetProperty("t").GetDouble(), end.GetProperty("t").GetDouble()));
                    }
                }
            }
            foreach (var byPartition in intervals.GroupBy(x => x.Partition))
            {
                var ordered = byPartition.OrderBy(x => x.From).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    Assert.True(ordered[i].From >= ordered[i - 1].To,
                        $"partition {byPartition.Key} owned by {ordered[i - 1].Member} until {ordered[i - 1].To} and by {ordered[i].Member} from {ordered[i].From}");
                }
            }
            Assert.True(intervals.Select(x => x.Partition).Distinct().Count() == 6);

            // Each new owner resumes at the committed offset: the first message it reads from a
            // partition after an assignment is the offset committed for it at that moment.
            var resumedAtCommitted = 0;
            foreach (var c in consumers)
            {
                var events = c.Events;
                for (var i = 0; i < events.Count; i++)
                {
                    if (Kind(events[i]) != "assign")
                    {
                        continue;
                    }
                    var committed = events[i].GetProperty("committed");
                    foreach (var p in events[i].GetProperty("parts").EnumerateArray().Select(x => x.GetInt32()))
                    {
                        var first = events.Skip(i + 1).TakeWhile(e => Kind(e) is not ("revoke" or "exit")).FirstOrDefault(e => Kind(e) == "msg" && e.GetProperty("p").GetInt32() == p);
                        if (first.ValueKind != JsonValueKind.Object)
                        {
                            continue; // nothing new arrived on that partition while it owned it
                        }
                        var at = committed.GetProperty(p.ToString(CultureInfo.InvariantCulture)).GetInt64();
                        Assert.Equal(at < 0 ? 0 : at, first.GetProperty("o").GetInt64());
                        if (at > 0)
                        {
                            resumedAtCommitted++;
                        }
                    }
                }
            }
            Assert.True(resumedAtCommitted >= 6, $"only {resumedAtCommitted} assignments resumed from a committed offset");
            // The restarted member resumed from offsets committed by earlier owners.
            var restartedFirstAssign = c1b.Of("assign").First();
            Assert.Contains(restartedFirstAssign.GetProperty("committed").EnumerateObject(), p => p.Value.GetInt64() > 0);

            // After the last member left, the committed offsets are the log end offsets.
            using var wire = await GroupsWire.ConnectAsync(broker);
            Assert.Equal(await wire.EndOffsetsAsync(topic, 6), await wire.CommittedAsync(group));
        }
        finally
        {
            foreach (var m in members)
            {
                await m.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_stopped_member_loses_its_partitions_to_the_others_within_the_session_timeout()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "6", "--group-initial-rebalance-delay-ms", "500");
        const string topic = "confluent-expiry";
        const string group = "confluent-expiry-group";
        using (var wire = await GroupsWire.ConnectAsync(broker))
        {
            await wire.CreateTopicAsync(topic, 6);
        }
        await using var c1 = StartConsumer(broker, group, topic, "c1");
        await using var c2 = StartConsumer(broker, group, topic, "c2");
        await GroupsClientProcess.WaitUntilAsync(() => Balanced(6, c1, c2), Bound, () => Describe([c1, c2]), c1, c2);
        var stoppedPartitions = Current(c2);
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        await c2.SignalAsync("STOP");
        try
        {
            // Session timeout 6 s: c2 is removed, c1 is told to rejoin (heartbeat every 0.5 s) and gets all six.
            await GroupsClientProcess.WaitUntilAsync(() => Current(c1).Count == 6, TimeSpan.FromSeconds(20), () => Describe([c1, c2]), c1);
            var elapsed = stopped.Elapsed;
            Assert.True(elapsed < TimeSpan.FromSeconds(6 + 4), $"c1 got c2's partitions only after {elapsed}");

            // Messages on c2's former partitions now reach c1.
            var produced = await Kcat.RunAsync(broker, string.Join('\n', Enumerable.Range(0, 60).Select(i => $"k{i}\tafter-stop-{i}")) + "\n", "-P", "-t", topic, "-K", "\t");
            Assert.True(produced.ExitCode == 0, produced.ToString());
            await GroupsClientProcess.WaitUntilAsync(
                () => c1.Of("msg").Count(e => e.GetProperty("v").GetString()!.StartsWith("after-stop-", StringComparison.Ordinal)) == 60,
                Bound, () => Describe([c1, c2]), c1);
            Assert.Contains(c1.Of("msg"), e => stoppedPartitions.Contains(e.GetProperty("p").GetInt32()));

            using var wire = await GroupsWire.ConnectAsync(broker);
            var described = await wire.DescribeAsync(group);
            Assert.Equal("Stable", described.GroupState);
            Assert.Equal(["c1"], described.Members.Select(m => m.ClientId));
        }
        finally
        {
            await c2.SignalAsync("CONT");
        }
        await c1.StopAsync(Bound);
    }
}
