using LogBus.Broker.Tests.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>Three cluster-mode brokers in-process: replication, acks=all, ISR, failover with epoch truncation, idempotence across failover.</summary>
public sealed class ClusterBrokerTests
{
    private static async Task<ProduceResponse.Partition> ProduceAsync(BrokerCluster cluster, int broker, string topic, byte[] batch, short acks = -1)
    {
        await using var client = await cluster.ConnectAsync(broker);
        var response = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce(topic, 0, batch, acks), 7);
        return response.Responses.Single().Partitions.Single();
    }

    private static async Task<FetchResponse.Partition> FetchAsync(BrokerCluster cluster, int broker, string topic, long offset)
    {
        await using var client = await cluster.ConnectAsync(broker);
        var response = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch(topic, 0, offset), 11);
        return response.Responses.Single().Partitions.Single();
    }

    [Fact]
    public async Task Replicated_topic_survives_leader_loss_without_losing_acknowledged_writes()
    {
        await using var cluster = new BrokerCluster(3);
        foreach (var id in new[] { 1, 2, 3 })
        {
            await cluster.StartAsync(id);
        }

        await cluster.WaitUntilAsync(() => cluster.Brokers.Keys.All(id => cluster.Image(id).Brokers.Values.Count(b => !b.Fenced) == 3), "3 live brokers");

        // CreateTopics on any broker goes through the quorum; every broker lists every broker and the leader.
        await using (var admin = await cluster.ConnectAsync(2))
        {
            var created = await admin.SendAsync<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [new CreateTopicsRequest.Topic { Name = "t", NumPartitions = 1, ReplicationFactor = 3 }], TimeoutMs = 10_000 }, 4);
            Assert.Equal(ErrorCode.None, created.Topics.Single().ErrorCode);
        }

        await cluster.WaitUntilAsync(() => cluster.Brokers.Keys.All(id => cluster.Image(id).Partition("t", 0) is not null), "topic everywhere");
        var leader = cluster.Image(1).Partition("t", 0)!.Leader;
        await cluster.WaitUntilAsync(() => cluster.Brokers[leader].Services!.Replicas!.Get("t", 0) is { IsLeader: true }, "leader replica ready");
        await using (var client = await cluster.ConnectAsync(1))
        {
            var metadata = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["t"] }, 8);
            Assert.Equal(3, metadata.Brokers.Count);
            var p = metadata.Topics.Single().Partitions.Single();
            Assert.Equal(leader, p.LeaderId);
            Assert.Equal(3, p.ReplicaNodes.Count);
        }

        // acks=all on the leader: answered once all three have it; the followers refuse clients.
        const long producerId = 4242;
        var first = await ProduceAsync(cluster, leader, "t", ProtocolTestData.Batch(5, 0, producerId, 0, 0));
        Assert.Equal(ErrorCode.None, first.ErrorCode);
        Assert.Equal(0, first.BaseOffset);
        var follower = cluster.Brokers.Keys.First(id => id != leader);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (await ProduceAsync(cluster, follower, "t", ProtocolTestData.Batch(1))).ErrorCode);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (await FetchAsync(cluster, follower, "t", 0)).ErrorCode);
        var read = await FetchAsync(cluster, leader, "t", 0);
        Assert.Equal(5, read.HighWatermark);
        Assert.Equal(5, ProtocolTestData.Records(read.Records).Count);
        await cluster.WaitUntilAsync(() => cluster.Brokers.Values.All(b => b.Services!.Logs.GetLog("t", 0)!.LogEndOffset == 5), "followers replicated");

        // The leader dies: a follower from the ISR takes over with a new epoch and keeps everything acknowledged.
        await cluster.StopAsync(leader);
        var survivor = cluster.Brokers.Keys.First();
        await cluster.WaitUntilAsync(() => cluster.Image(survivor).Partition("t", 0) is { } p && p.Leader != leader && p.Leader > 0 && cluster.Brokers.ContainsKey(p.Leader), "new leader");
        var next = cluster.Image(survivor).Partition("t", 0)!;
        Assert.Equal(1, next.LeaderEpoch);

        // The producer's retry of its last batch (same id and sequence) is a duplicate for the new leader:
        // its producer state was rebuilt from the replicated log.
        ProduceResponse.Partition retry = null!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            retry = await ProduceAsync(cluster, next.Leader, "t", ProtocolTestData.Batch(5, 0, producerId, 0, 0));
            if (retry.ErrorCode is not (ErrorCode.NotLeaderOrFollower or ErrorCode.RequestTimedOut or ErrorCode.NotEnoughReplicas))
            {
                break;
            }

            await Task.Delay(100); // the new leader's replica may not have applied its leadership yet (bounded retries)
        }

        Assert.Equal(ErrorCode.None, retry.ErrorCode);
        Assert.Equal(0, retry.BaseOffset);
        var after = await ProduceAsync(cluster, next.Leader, "t", ProtocolTestData.Batch(3, 5, producerId, 0, 5));
        Assert.Equal(ErrorCode.None, after.ErrorCode);
        Assert.Equal(5, after.BaseOffset);

        // The old leader comes back: it truncates by epoch, catches up and rejoins the ISR; everything is
        // readable, in order, once.
        await cluster.StartAsync(leader);
        await cluster.WaitUntilAsync(() => cluster.Image(next.Leader).Partition("t", 0)!.Isr.Length == 3, "ISR back to 3", seconds: 40);
        Assert.Equal(ErrorCode.None, (await ProduceAsync(cluster, next.Leader, "t", ProtocolTestData.Batch(2, 8))).ErrorCode);
        var all = ProtocolTestData.Records((await FetchAsync(cluster, next.Leader, "t", 0)).Records);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"key-{i}"), all.Select(r => r.Key));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), all.Select(r => r.Offset));
        await cluster.WaitUntilAsync(() => cluster.Brokers.Values.All(b => b.Services!.Logs.GetLog("t", 0)!.LogEndOffset == 10), "all replicas caught up");
    }

    [Fact]
    public async Task Acks_all_is_refused_below_min_insync_replicas_and_accepted_again_after_catch_up()
    {
        await using var cluster = new BrokerCluster(3, minInSync: 3);
        foreach (var id in new[] { 1, 2, 3 })
        {
            await cluster.StartAsync(id);
        }

        await cluster.WaitUntilAsync(() => cluster.Brokers.Keys.All(id => cluster.Image(id).Brokers.Values.Count(b => !b.Fenced) == 3), "3 live brokers");
        await using (var client = await cluster.ConnectAsync(1))
        {
            await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["auto"], AllowAutoTopicCreation = true }, 8); // auto-created with RF 3
        }

        await cluster.WaitUntilAsync(() => cluster.Image(1).Partition("auto", 0) is { Isr.Length: 3 }, "auto-created topic");
        var leader = cluster.Image(1).Partition("auto", 0)!.Leader;
        await cluster.WaitUntilAsync(() => cluster.Brokers[leader].Services!.Replicas!.Get("auto", 0) is { IsLeader: true }, "leader replica ready");
        Assert.Equal(ErrorCode.None, (await ProduceAsync(cluster, leader, "auto", ProtocolTestData.Batch(2))).ErrorCode);

        var follower = cluster.Brokers.Keys.First(id => id != leader);
        await cluster.StopAsync(follower);
        await cluster.WaitUntilAsync(() => cluster.Image(leader).Partition("auto", 0)!.Isr.Length == 2, "ISR shrank");
        Assert.Equal(ErrorCode.NotEnoughReplicas, (await ProduceAsync(cluster, leader, "auto", ProtocolTestData.Batch(1, 2))).ErrorCode);
        var acks1 = await ProduceAsync(cluster, leader, "auto", ProtocolTestData.Batch(1, 2), acks: 1);
        Assert.Equal(ErrorCode.None, acks1.ErrorCode);
        Assert.Equal(2, acks1.BaseOffset);

        await cluster.StartAsync(follower);
        await cluster.WaitUntilAsync(() => cluster.Image(leader).Partition("auto", 0)!.Isr.Length == 3, "follower rejoined the ISR", seconds: 40);
        Assert.Equal(3, cluster.Brokers[follower].Services!.Logs.GetLog("auto", 0)!.LogEndOffset);
        var acksAll = await ProduceAsync(cluster, leader, "auto", ProtocolTestData.Batch(1, 3));
        Assert.Equal(ErrorCode.None, acksAll.ErrorCode);
        Assert.Equal(3, acksAll.BaseOffset);
    }
}
