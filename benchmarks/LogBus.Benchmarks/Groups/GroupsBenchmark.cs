using System.Diagnostics;
using System.Globalization;
using LogBus.Broker.Groups;
using LogBus.Broker.Storage;
using LogBus.Protocol.Messages;

namespace LogBus.Benchmarks.Groups;

/// <summary>
/// Group coordinator costs on this machine: durable offset commits per second for one committer and
/// for many concurrent ones (each commit waits for its fsync; concurrent ones share fsyncs), heartbeats
/// per second, and how long replaying <c>__consumer_offsets</c> takes at startup (before and after a
/// snapshot has bounded it).
/// </summary>
internal sealed class GroupsBenchmark : IBenchmark
{
    public string Name => "groups";

    public string Description => "durable offset commits/s (1 vs 16 committers), heartbeats/s, offsets replay time [--quick] [--dir PATH]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var quick = options.Quick;
        var root = options.String("--dir", Path.GetTempPath());
        var work = Path.Combine(root, "logbus-groups-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var seconds = quick ? 2.0 : 5.0;
        Console.WriteLine($"groups benchmark: {(quick ? "quick" : "full")}, {seconds:0.0} s per run, dir {work}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine();
        try
        {
            var logs = await LogManager.OpenAsync(new StorageOptions { DataDirectory = work });
            logs.TryCreateTopic("bench", 6, null, out _);
            var coordinatorOptions = new GroupCoordinatorOptions { OffsetsTopicPartitions = 8 };
            var coordinator = await GroupCoordinator.OpenAsync(logs, coordinatorOptions);

            var one = await CommitRate(coordinator, committers: 1, seconds);
            var many = await CommitRate(coordinator, committers: 16, seconds);
            Console.WriteLine($"durable commits, 1 committer:    {one,10:N0} /s  (each waits for its fsync)");
            Console.WriteLine($"durable commits, 16 committers:  {many,10:N0} /s  = {many / one:0.0}x   target >= 3x (fsyncs shared by concurrent commits)");

            var heartbeats = HeartbeatRate(coordinator, seconds);
            Console.WriteLine($"heartbeats (one thread):         {heartbeats.Rate,10:N0} /s, {heartbeats.BytesPerCall:0} B allocated per call   target >= 1,000,000/s");

            var records = coordinator.Stores.Sum(s => (long)s.Log.LogEndOffset - s.Log.LogStartOffset);
            var bytes = coordinator.Stores.Sum(s => s.Log.SizeInBytes);
            await coordinator.DisposeAsync();
            var replay = Stopwatch.StartNew();
            coordinator = await GroupCoordinator.OpenAsync(logs, coordinatorOptions);
            replay.Stop();
            Console.WriteLine($"replay of {records:N0} records ({bytes / 1048576.0:0.0} MiB): {replay.Elapsed.TotalMilliseconds,8:N0} ms = {records / replay.Elapsed.TotalSeconds:N0} records/s   target >= 500,000 records/s");

            foreach (var store in coordinator.Stores)
            {
                await store.SnapshotAsync();
            }
            var afterBytes = coordinator.Stores.Sum(s => s.Log.SizeInBytes);
            await coordinator.DisposeAsync();
            replay.Restart();
            coordinator = await GroupCoordinator.OpenAsync(logs, coordinatorOptions);
            replay.Stop();
            Console.WriteLine($"after snapshots: {afterBytes / 1024.0:N0} KiB of live records, replay {replay.Elapsed.TotalMilliseconds:N0} ms   target: log shrinks to the live records");
            await coordinator.DisposeAsync();
            logs.Dispose();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<double> CommitRate(GroupCoordinator coordinator, int committers, double seconds)
    {
        var stop = Stopwatch.StartNew();
        var counts = new long[committers];
        var tasks = Enumerable.Range(0, committers).Select(c => Task.Run(async () =>
        {
            var request = new OffsetCommitRequest
            {
                GroupId = $"bench-{committers}-{c}",
                Topics = [new() { Name = "bench", Partitions = Enumerable.Range(0, 6).Select(p => new OffsetCommitRequest.Partition { PartitionIndex = p }).ToList() }],
            };
            long offset = 0;
            while (stop.Elapsed.TotalSeconds < seconds)
            {
                foreach (var p in request.Topics[0].Partitions)
                {
                    p.CommittedOffset = ++offset;
                }
                var response = await coordinator.CommitOffsetsAsync(request, 2);
                if (response.Topics[0].Partitions[0].ErrorCode != LogBus.Protocol.ErrorCode.None)
                {
                    throw new InvalidOperationException($"commit failed: {response.Topics[0].Partitions[0].ErrorCode}");
                }
                counts[c]++;
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        return counts.Sum() / stop.Elapsed.TotalSeconds;
    }

    private static (double Rate, double BytesPerCall) HeartbeatRate(GroupCoordinator coordinator, double seconds)
    {
        var join = coordinator.JoinGroupAsync(new JoinGroupRequest
        {
            GroupId = "bench-heartbeat",
            SessionTimeoutMs = 30_000,
            RebalanceTimeoutMs = 30_000,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = new byte[16] }],
        }, 3, "bench", "/127.0.0.1").GetAwaiter().GetResult();
        var sync = coordinator.SyncGroupAsync(new SyncGroupRequest { GroupId = "bench-heartbeat", MemberId = join.MemberId, GenerationId = join.GenerationId }).GetAwaiter().GetResult();
        if (join.ErrorCode != LogBus.Protocol.ErrorCode.None || sync.ErrorCode != LogBus.Protocol.ErrorCode.None)
        {
            throw new InvalidOperationException($"join {join.ErrorCode}, sync {sync.ErrorCode}");
        }
        var request = new HeartbeatRequest { GroupId = "bench-heartbeat", MemberId = join.MemberId, GenerationId = join.GenerationId };
        var stop = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        long calls = 0;
        while (stop.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++)
            {
                coordinator.Heartbeat(request);
            }
            calls += 1000;
        }
        return (calls / stop.Elapsed.TotalSeconds, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)calls);
    }
}
