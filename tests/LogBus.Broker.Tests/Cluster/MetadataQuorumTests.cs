using System.Collections.Immutable;
using LogBus.Broker.Cluster;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>Three metadata quorum members over TCP in one process: election, forwarding, fencing, failover, restart, snapshots.</summary>
public sealed class MetadataQuorumTests
{
    private static MetadataRecord CreateTopic(string name, params int[][] assignment) => new()
    {
        Type = MetadataRecordType.CreateTopic,
        Topic = name,
        TopicId = Guid.NewGuid(),
        Assignments = [.. assignment.Select(a => a.ToImmutableArray())],
    };

    [Fact]
    public async Task Three_nodes_agree_fence_a_dead_broker_move_leadership_and_take_it_back_after_restart()
    {
        await using var cluster = new QuorumCluster(3);
        foreach (var id in new[] { 1, 2, 3 })
        {
            await cluster.StartAsync(id);
        }

        await Task.WhenAll(cluster.RegisterAsync(1), cluster.RegisterAsync(2), cluster.RegisterAsync(3));
        await cluster.WaitUntilAsync(
            () => cluster.Nodes.Values.All(n => n.Image.Brokers.Count == 3 && n.Image.Brokers.Values.All(b => !b.Fenced)),
            "all brokers registered and unfenced everywhere");
        Assert.Single(cluster.Nodes.Values, n => n.IsLeader);

        // Submitted on a follower: forwarded to the controller, applied everywhere.
        var follower = cluster.Nodes.Values.First(n => !n.IsLeader);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await follower.SubmitAsync(CreateTopic("orders", [1, 2, 3], [2, 3, 1]), timeout.Token);
        }

        Assert.NotNull(follower.Image.Partition("orders", 1));
        await cluster.WaitUntilAsync(() => cluster.Nodes.Values.All(n => n.Image.Partition("orders", 1) is not null), "topic everywhere");

        // The leader of orders-0 dies: fenced, leadership moves within the ISR with a new epoch.
        await cluster.StopAsync(1);
        await cluster.WaitUntilAsync(
            () => cluster.Nodes.Values.All(n => n.Image.Brokers[1].Fenced && n.Image.Partition("orders", 0) is { Leader: 2, LeaderEpoch: 1 } p && !p.Isr.Contains(1)),
            "broker 1 fenced and orders-0 led by 2");
        Assert.Equal(2, cluster.Nodes[2].Image.Partition("orders", 1)!.Leader); // unaffected

        // It restarts from its directory: catches up, registers again, is unfenced; it is not put back in
        // the ISR by the controller (that is the partition leader's job once it caught up).
        await cluster.StartAsync(1);
        await cluster.RegisterAsync(1);
        await cluster.WaitUntilAsync(() => cluster.Nodes.Values.All(n => !n.Image.Brokers[1].Fenced), "broker 1 unfenced");
        Assert.Equal(cluster.Nodes[2].Image.Partition("orders", 0), cluster.Nodes[1].Image.Partition("orders", 0));

        // The controller dies: a new one is elected and fences it.
        var controller = cluster.Leader();
        var controllerId = cluster.Voters.Single(v => v.Id == controller.Self.Id).Id;
        await cluster.StopAsync(controllerId);
        await cluster.WaitUntilAsync(
            () => cluster.Nodes.Values.Any(n => n.IsLeader) && cluster.Nodes.Values.All(n => n.Image.Brokers[controllerId].Fenced),
            "new controller fenced the old one");
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await cluster.Nodes.Values.First().SubmitAsync(CreateTopic("after", [1, 2, 3]), timeout.Token);
        }

        foreach (var p in cluster.Nodes.Values.SelectMany(n => n.Image.Topics.Values).SelectMany(t => t.Partitions))
        {
            Assert.NotEqual(controllerId, p.Leader);
            Assert.DoesNotContain(controllerId, p.Isr);
        }
    }

    [Fact]
    public async Task Log_is_compacted_into_snapshots_and_a_restarted_node_recovers_from_them()
    {
        await using var cluster = new QuorumCluster(3, snapshotEvery: 10);
        foreach (var id in new[] { 1, 2, 3 })
        {
            await cluster.StartAsync(id);
        }

        await cluster.WaitUntilAsync(() => cluster.Nodes.Values.Any(n => n.IsLeader), "a leader");
        await cluster.StopAsync(3);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            for (var i = 0; i < 40; i++)
            {
                await cluster.Nodes[1].SubmitAsync(CreateTopic($"t{i}", [1, 2]), timeout.Token);
            }
        }

        Assert.True(File.Exists(Path.Combine(cluster.Directory(1), "raft.snapshot")));
        Assert.True(File.Exists(Path.Combine(cluster.Directory(2), "raft.snapshot")));

        // Node 3 missed everything and the leader compacted it away: it is caught up by snapshot.
        await cluster.StartAsync(3);
        await cluster.WaitUntilAsync(() => cluster.Nodes[3].Image.Topics.Count == 40, "node 3 caught up");

        // Node 1 restarts from its own snapshot and log suffix.
        await cluster.StopAsync(1);
        await cluster.StartAsync(1);
        await cluster.WaitUntilAsync(() => cluster.Nodes[1].Image.Topics.Count == 40, "node 1 recovered");
        Assert.Equal(cluster.Nodes[2].Image.Topics.Keys, cluster.Nodes[1].Image.Topics.Keys);
    }
}
