using System.Diagnostics;
using System.Globalization;
using LogBus.Benchmarks.Broker;
using LogBus.Broker;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Cluster;

/// <summary>
/// Replication cost: produce records/s with acks=all on a three-broker cluster (replication factor 3,
/// min.insync.replicas 2, all brokers in this process on this machine) against a single-node broker with
/// acks=1, both driven by the same pipelined load generator (100-byte records, one partition). Target:
/// the replicated run reaches at least 50 % of the single-node run (Kafka's published ratio is ~51 %).
/// </summary>
internal sealed class ClusterBenchmark : IBenchmark
{
    private const int RecordBytes = 100;
    private const double RatioTarget = 0.5;

    public string Name => "cluster";

    public string Description => "acks=all with replication factor 3 (3 in-process brokers) vs single-node acks=1, records/s and ratio [--quick] [--connections N] [--depth N] [--batch N]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var seconds = options.Quick ? 4.0 : 10.0;
        var connections = options.Int("--connections", 4);
        var depth = options.Int("--depth", 8);
        var batchRecords = options.Int("--batch", 1000);
        var root = Path.Combine(Path.GetTempPath(), "logbus-cluster-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine($"cluster benchmark: {seconds:0} s per run, {connections} connections x {depth} requests in flight, batches of {batchRecords} x {RecordBytes}-byte records, 1 partition");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; all brokers and the generator in one process; load average {MachineLimits.LoadAverage()}");
        var batch = BuildBatch(batchRecords);
        try
        {
            double single;
            await using (var broker = new LogBusBroker(new LogBusBrokerOptions { Port = 0, DataDirectory = Path.Combine(root, "single") }))
            {
                await broker.StartAsync();
                await CreateTopicAsync(broker.Port, "bench", replicationFactor: 1);
                await ProduceAsync(broker.Port, batch, batchRecords, acks: 1, connections, depth, TimeSpan.FromSeconds(1)); // warm-up
                single = await ProduceAsync(broker.Port, batch, batchRecords, acks: 1, connections, depth, TimeSpan.FromSeconds(seconds));
            }

            Console.WriteLine($"single node, acks=1: {single:N0} rec/s (load average {MachineLimits.LoadAverage()})");
            var ports = Enumerable.Range(0, 6).Select(_ => LogBus.Testing.FreePort.Next()).ToArray();
            var quorum = string.Join(",", Enumerable.Range(1, 3).Select(id => $"{id}@127.0.0.1:{ports[2 + id]}"));
            var brokers = new List<LogBusBroker>();
            double replicated;
            try
            {
                for (var id = 1; id <= 3; id++)
                {
                    var broker = new LogBusBroker(new LogBusBrokerOptions
                    {
                        NodeId = id,
                        Port = ports[id - 1],
                        DataDirectory = Path.Combine(root, $"broker-{id}"),
                        ControllerQuorum = quorum,
                        DefaultReplicationFactor = 3,
                        MinInSyncReplicas = 2,
                    });
                    await broker.StartAsync();
                    brokers.Add(broker);
                }

                var leaderPort = await CreateReplicatedTopicAsync(brokers);
                await ProduceAsync(leaderPort, batch, batchRecords, acks: -1, connections, depth, TimeSpan.FromSeconds(1)); // warm-up
                replicated = await ProduceAsync(leaderPort, batch, batchRecords, acks: -1, connections, depth, TimeSpan.FromSeconds(seconds));
            }
            finally
            {
                foreach (var broker in brokers)
                {
                    await broker.DisposeAsync();
                }
            }

            var ratio = replicated / single;
            Console.WriteLine($"3 brokers, replication factor 3, min.insync.replicas 2, acks=all: {replicated:N0} rec/s (load average {MachineLimits.LoadAverage()})");
            Console.WriteLine($"ratio acks=all RF3 / single-node acks=1: {ratio:P0} (target >= {RatioTarget:P0}: {(ratio >= RatioTarget ? "MET" : "MISSED")})");
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task CreateTopicAsync(int port, string topic, int replicationFactor)
    {
        using var connection = await LoadConnection.ConnectAsync(port);
        await connection.SendAsync(LoadConnection.Encode(new CreateTopicsRequest { TimeoutMs = 10_000, Topics = [new CreateTopicsRequest.Topic { Name = topic, NumPartitions = 1, ReplicationFactor = (short)replicationFactor }] }, 4));
        await connection.ReceiveAsync();
    }

    /// <summary>Creates the topic once the three brokers registered; returns the Kafka port of its leader once the leader's replica is ready.</summary>
    private static async Task<int> CreateReplicatedTopicAsync(List<LogBusBroker> brokers)
    {
        var deadline = Stopwatch.StartNew();
        var quorum = brokers[0].Services!.Replicas!.Quorum;
        while (quorum.Image.Brokers.Values.Count(b => !b.Fenced) < 3)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the cluster did not form");
            }

            await Task.Delay(50);
        }

        await CreateTopicAsync(brokers[0].Port, "bench", replicationFactor: 3);
        while (true)
        {
            if (quorum.Image.Partition("bench", 0) is { Leader: > 0, Isr.Length: 3 } p
                && brokers[p.Leader - 1].Services!.Replicas!.Get("bench", 0) is { IsLeader: true })
            {
                return brokers[p.Leader - 1].Port;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the replicated topic got no leader");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Keeps <paramref name="depth"/> produce requests in flight on each connection for <paramref name="duration"/>; returns acknowledged records/s.</summary>
    private static async Task<double> ProduceAsync(int port, byte[] batch, int batchRecords, short acks, int connectionCount, int depth, TimeSpan duration)
    {
        var frames = Enumerable.Range(0, connectionCount)
            .Select(_ => LoadConnection.Encode(new ProduceRequest
            {
                Acks = acks,
                TimeoutMs = 30_000,
                Topics = [new ProduceRequest.Topic { Name = "bench", Partitions = [new ProduceRequest.Partition { Index = 0, Records = RecordSet.FromMemory(batch) }] }],
            }, 7))
            .ToArray();
        var connections = await Task.WhenAll(Enumerable.Range(0, connectionCount).Select(_ => LoadConnection.ConnectAsync(port)));
        long acked = 0;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(connections.Select(async (connection, index) =>
            {
                var frame = frames[index];
                var inFlight = 0;
                for (; inFlight < depth; inFlight++)
                {
                    await connection.SendAsync(frame);
                }

                while (inFlight > 0)
                {
                    LoadConnection.CheckProduce(await connection.ReceiveAsync());
                    inFlight--;
                    Interlocked.Add(ref acked, batchRecords);
                    if (stopwatch.Elapsed < duration)
                    {
                        await connection.SendAsync(frame);
                        inFlight++;
                    }
                }
            }));
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }

        return acked / stopwatch.Elapsed.TotalSeconds;
    }

    private static byte[] BuildBatch(int records)
    {
        using var builder = new RecordBatchBuilder(records * (RecordBytes + 16) + 1024);
        builder.Reset();
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < records; i++)
        {
            if (!builder.TryAppendNullable(now, null, value))
            {
                throw new InvalidOperationException("batch full");
            }
        }

        return builder.Build().ToArray();
    }
}
