using System.Text.Json;
using LogBus.Broker.Tests.Server;
using LogBus.Compatibility.Tests;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Cluster.Tests;

/// <summary>
/// Jepsen-style fault tests: three <c>logbus-broker</c> processes (replication factor 3,
/// min.insync.replicas 2), idempotent confluent-kafka producers with acks=all and a consumer group, all
/// as separate processes, while the partition leader is killed with kill -9 and restarted, paused with
/// SIGSTOP, and two brokers restart in turn. The <see cref="HistoryChecker"/> then checks the full
/// history against a final read of the log. Set <c>LOGBUS_CLUSTER_SOAK=1</c> to run each phase longer.
/// </summary>
public sealed class FaultTests
{
    private const string Topic = "jepsen";
    private const int Partitions = 3;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(60);
    private static readonly bool Soak = Environment.GetEnvironmentVariable("LOGBUS_CLUSTER_SOAK") == "1";

    [Fact]
    public async Task Kill_pause_and_rolling_restarts_lose_no_acknowledged_write()
    {
        await using var cluster = new ProcessCluster(3, "--broker-session-timeout-ms", "2000", "--replica-lag-time-max-ms", "4000", "--log-format", "simple");
        cluster.StartAll();
        await cluster.WaitForMetadataAsync("none", m => m.Brokers.Count == 3, "three registered brokers", TimeSpan.FromSeconds(90));
        await CreateTopicAsync(cluster);
        await WaitForFullIsrAsync(cluster);

        var stopProducers = Path.Combine(cluster.Root, "stop-producers");
        var stopConsumers = Path.Combine(cluster.Root, "stop-consumers");
        var producers = Enumerable.Range(1, 2)
            .Select(i => cluster.Track(WorkloadProcess.Start("jepsen_producer.py", Path.Combine(cluster.Root, $"producer-{i}.jsonl"), cluster.Bootstrap, Topic, $"p{i}", Path.Combine(cluster.Root, $"producer-{i}.jsonl"), stopProducers, "300")))
            .ToList();
        var consumers = Enumerable.Range(1, 2)
            .Select(i => cluster.Track(WorkloadProcess.Start("jepsen_consumer.py", Path.Combine(cluster.Root, $"consumer-{i}.jsonl"), cluster.Bootstrap, Topic, "jepsen-group", $"c{i}", Path.Combine(cluster.Root, $"consumer-{i}.jsonl"), stopConsumers)))
            .ToList();
        try
        {
            await WaitForAcksAsync(cluster, producers, 300);

            // 1. kill -9 the leader of partition 0, let the cluster fail over, restart it, wait until it is back in every ISR.
            var leader = await LeaderOfAsync(cluster, 0);
            await cluster.Node(leader).KillAsync();
            await WaitForNewLeaderAsync(cluster, 0, leader);
            await WaitForAcksAsync(cluster, producers, Soak ? 3000 : 300);
            cluster.Node(leader).Start();
            await WaitForFullIsrAsync(cluster);

            // 2. SIGSTOP the leader of partition 0 (longer than the session timeout), then SIGCONT.
            leader = await LeaderOfAsync(cluster, 0);
            cluster.Node(leader).Pause();
            await WaitForNewLeaderAsync(cluster, 0, leader);
            await WaitForAcksAsync(cluster, producers, Soak ? 3000 : 300);
            cluster.Node(leader).Resume();
            await WaitForFullIsrAsync(cluster);

            // 3. Two brokers restart in turn (each back in every ISR before the next goes).
            foreach (var id in new[] { leader % 3 + 1, (leader + 1) % 3 + 1 })
            {
                await cluster.Node(id).KillAsync();
                await WaitForAcksAsync(cluster, producers, Soak ? 3000 : 200);
                cluster.Node(id).Start();
                await WaitForFullIsrAsync(cluster);
            }

            await WaitForAcksAsync(cluster, producers, 200);
        }
        finally
        {
            await File.WriteAllTextAsync(stopProducers, "stop");
        }

        foreach (var producer in producers)
        {
            Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(120)), "producer did not finish: " + producer.Errors);
        }

        // The consumer group kept reading all along: let it reach every acknowledged value (bounded), then stop it.
        var ackedValues = producers.SelectMany(p => ReadShared(p.History)).Where(l => l.StartsWith("{\"t\": \"ack\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("v").GetString()!).ToHashSet();
        var consumedAll = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < consumedAll && !ackedValues.IsSubsetOf(ReadValues(consumers)))
        {
            await Task.Delay(200);
        }

        await File.WriteAllTextAsync(stopConsumers, "stop");
        foreach (var consumer in consumers)
        {
            Assert.True(await consumer.WaitForExitAsync(TimeSpan.FromSeconds(60)), "consumer did not finish: " + consumer.Errors);
        }

        var final = await ExternalProcess.RunAsync("/usr/bin/python3", [Path.Combine(LogBus.Testing.RepositoryPaths.Root, "tests", "LogBus.Cluster.Tests", "scripts", "jepsen_final_read.py"), cluster.Bootstrap, Topic], TimeSpan.FromSeconds(120));
        Assert.True(final.ExitCode == 0, "final read failed: " + final + "\n" + cluster.Diagnostics());
        var history = producers.Concat(consumers).SelectMany(w => File.ReadLines(w.History)).ToList();
        var report = HistoryChecker.Check(history, final.Lines);
        Assert.True(report.Valid, report + "\n" + cluster.Diagnostics());
        Assert.True(report.Acked >= 1000, $"too little progress under faults: {report}");

        // The consumer group kept going: together its members read values acknowledged in every phase.
        var read = history.Where(l => l.Contains("\"read\"", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("v").GetString()).ToHashSet();
        var acked = history.Where(l => l.Contains("\"ack\"", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("v").GetString()).ToList();
        var missing = acked.Where(v => !read.Contains(v)).ToList();
        Assert.True(missing.Count == 0, $"the consumer group did not read {missing.Count} of {acked.Count} acknowledged values, e.g. {string.Join(", ", missing.Take(10))}");
    }

    private static async Task CreateTopicAsync(ProcessCluster cluster)
    {
        var deadline = DateTime.UtcNow + PhaseTimeout;
        while (true)
        {
            try
            {
                await using var client = await RawKafkaClient.ConnectAsync(cluster.Node(1).Port);
                var response = await client.SendAsync<CreateTopicsResponse>(
                    new CreateTopicsRequest { Topics = [new CreateTopicsRequest.Topic { Name = Topic, NumPartitions = Partitions, ReplicationFactor = 3 }], TimeoutMs = 10_000 }, 4);
                if (response.Topics.Single().ErrorCode is ErrorCode.None or ErrorCode.TopicAlreadyExists)
                {
                    return;
                }
            }
            catch (IOException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "could not create the topic\n" + cluster.Diagnostics());
            await Task.Delay(200);
        }
    }

    private static Task WaitForFullIsrAsync(ProcessCluster cluster) =>
        cluster.WaitForMetadataAsync(
            Topic,
            m => m.Topics.Single().Partitions.Count == Partitions && m.Topics.Single().Partitions.All(p => p.LeaderId > 0 && p.IsrNodes.Count == 3),
            "every partition led with all three replicas in sync",
            TimeSpan.FromSeconds(90));

    private static async Task<int> LeaderOfAsync(ProcessCluster cluster, int partition) =>
        (await cluster.WaitForMetadataAsync(Topic, m => m.Topics.Single().Partitions.Count == Partitions, "metadata", PhaseTimeout))
            .Topics.Single().Partitions.Single(p => p.PartitionIndex == partition).LeaderId;

    private static Task WaitForNewLeaderAsync(ProcessCluster cluster, int partition, int old) =>
        cluster.WaitForMetadataAsync(
            Topic,
            m => m.Topics.Single().Partitions.Single(p => p.PartitionIndex == partition) is { LeaderId: > 0 } p && p.LeaderId != old && !p.IsrNodes.Contains(old),
            $"a new leader for partition {partition} (old: {old})",
            PhaseTimeout);

    /// <summary>Waits until the producers got <paramref name="more"/> further acknowledgements (polling their history files: the events happen in other processes).</summary>
    private static async Task WaitForAcksAsync(ProcessCluster cluster, List<WorkloadProcess> producers, int more)
    {
        var start = CountAcks(producers);
        var deadline = DateTime.UtcNow + PhaseTimeout;
        while (CountAcks(producers) < start + more)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"producers stalled at {CountAcks(producers)} acks (wanted {start + more})\n{string.Join("\n", producers.Select(p => p.Errors))}\n{cluster.Diagnostics()}");
            }

            if (producers.FirstOrDefault(p => p.HasExited) is { } exited)
            {
                Assert.Fail($"a producer exited: {exited.Errors}\n{cluster.Diagnostics()}");
            }
            await Task.Delay(200);
        }
    }

    private static HashSet<string> ReadValues(List<WorkloadProcess> consumers) =>
        consumers.SelectMany(c => File.Exists(c.History) ? ReadShared(c.History) : [])
            .Where(l => l.StartsWith("{\"t\": \"read\"", StringComparison.Ordinal))
            .Select(l =>
            {
                try
                {
                    return JsonDocument.Parse(l).RootElement.GetProperty("v").GetString()!;
                }
                catch (JsonException)
                {
                    return ""; // a line being written
                }
            })
            .ToHashSet();

    private static int CountAcks(List<WorkloadProcess> producers) =>
        producers.Sum(p => File.Exists(p.History) ? ReadShared(p.History).Count(l => l.StartsWith("{\"t\": \"ack\"", StringComparison.Ordinal)) : 0);

    private static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
