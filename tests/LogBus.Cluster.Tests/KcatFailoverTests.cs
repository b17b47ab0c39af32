using LogBus.Broker.Tests.Server;
using LogBus.Compatibility.Tests;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Cluster.Tests;

/// <summary>kcat (librdkafka) produces with acks=all and consumes across a kill -9 of the partition leader of a three-process cluster.</summary>
public sealed class KcatFailoverTests
{
    private const string Topic = "kcat-failover";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Kcat_keeps_producing_and_consuming_across_a_leader_failover()
    {
        await using var cluster = new ProcessCluster(3, "--broker-session-timeout-ms", "2000");
        cluster.StartAll();
        await cluster.WaitForMetadataAsync("none", m => m.Brokers.Count == 3, "three registered brokers", Timeout);
        await using (var client = await RawKafkaClient.ConnectAsync(cluster.Node(1).Port))
        {
            var created = await client.SendAsync<CreateTopicsResponse>(
                new CreateTopicsRequest { Topics = [new CreateTopicsRequest.Topic { Name = Topic, NumPartitions = 1, ReplicationFactor = 3 }], TimeoutMs = 10_000 }, 4);
            Assert.Equal(ErrorCode.None, created.Topics.Single().ErrorCode);
        }

        var metadata = await cluster.WaitForMetadataAsync(Topic, m => m.Topics.Single().Partitions is [{ LeaderId: > 0, IsrNodes.Count: 3 }], "topic led with a full ISR", Timeout);
        await ProduceAsync(cluster, "a", 100);

        var leader = metadata.Topics.Single().Partitions.Single().LeaderId;
        await cluster.Node(leader).KillAsync();
        await cluster.WaitForMetadataAsync(Topic, m => m.Topics.Single().Partitions is [{ LeaderId: > 0 } p] && p.LeaderId != leader, "a new leader", Timeout);
        await ProduceAsync(cluster, "b", 100);
        Assert.Equal(Expected(), await ConsumeAsync(cluster));

        // The old leader returns, catches up, rejoins the ISR and serves the same log once it leads again.
        cluster.Node(leader).Start();
        await cluster.WaitForMetadataAsync(Topic, m => m.Topics.Single().Partitions is [{ IsrNodes.Count: 3 }], "the old leader back in the ISR", Timeout);
        Assert.Equal(Expected(), await ConsumeAsync(cluster));
    }

    private static List<string> Expected() =>
        [.. Enumerable.Range(0, 100).Select(i => $"a-{i}"), .. Enumerable.Range(0, 100).Select(i => $"b-{i}")];

    private static async Task ProduceAsync(ProcessCluster cluster, string prefix, int count)
    {
        var input = string.Join("\n", Enumerable.Range(0, count).Select(i => $"{prefix}-{i}")) + "\n";
        var result = await ExternalProcess.RunAsync(
            "kcat",
            ["-b", cluster.Bootstrap, "-t", Topic, "-P", "-X", "acks=all", "-X", "enable.idempotence=true", "-X", "message.timeout.ms=60000"],
            Timeout,
            standardInput: input);
        Assert.True(result.ExitCode == 0, $"kcat produce failed: {result}\n{cluster.Diagnostics()}");
    }

    private static async Task<List<string>> ConsumeAsync(ProcessCluster cluster)
    {
        var result = await ExternalProcess.RunAsync("kcat", ["-b", cluster.Bootstrap, "-t", Topic, "-C", "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"], Timeout);
        Assert.True(result.ExitCode == 0, $"kcat consume failed: {result}\n{cluster.Diagnostics()}");
        var lines = result.Lines.Select(l => l.Split(' ', 2)).ToList();
        Assert.Equal(Enumerable.Range(0, lines.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), lines.Select(l => l[0])); // offsets dense, in order
        return lines.Select(l => l[1]).ToList();
    }
}
