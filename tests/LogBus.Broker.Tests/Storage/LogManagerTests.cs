using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

public sealed class LogManagerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private StorageOptions Options(int recoveryThreads = 2) => new()
    {
        DataDirectory = _dir.Sub("data"),
        RecoveryThreads = recoveryThreads,
        DefaultLogConfig = LogConfig.Default with { SegmentBytes = 16 * 1024 },
    };

    private static void Fill(PartitionLog log, int batches, int seed)
    {
        for (var i = 0; i < batches; i++)
        {
            Assert.True(log.Append(TestBatches.Build(2, 500, i, seed + i), 0).Succeeded);
        }
    }

    [Fact]
    public async Task Topics_and_their_config_survive_a_restart_and_a_clean_restart_skips_every_scan()
    {
        var custom = LogConfig.Default with { SegmentBytes = 8 * 1024, RetentionMs = 3_600_000, RetentionBytes = 1 << 20, CleanupPolicy = CleanupPolicy.Compact, MaxBatchBytes = 2 << 20 };
        Guid id;
        var contents = new Dictionary<(string, int), byte[]>();
        using (var manager = await LogManager.OpenAsync(Options()))
        {
            Assert.True(manager.TryCreateTopic("orders", 3, custom, out var orders));
            Assert.True(manager.TryCreateTopic("payments.v1", 2, null, out _));
            Assert.False(manager.TryCreateTopic("orders", 5, null, out var existing));
            Assert.Equal(orders, existing);
            id = orders.TopicId;
            for (var p = 0; p < 3; p++)
            {
                Fill(manager.GetLog("orders", p)!, 20 + p, p);
            }
            Fill(manager.GetLog("payments.v1", 1)!, 30, 9);
            foreach (var (topic, partitions) in new[] { ("orders", 3), ("payments.v1", 2) })
            {
                for (var p = 0; p < partitions; p++)
                {
                    using var r = manager.GetLog(topic, p)!.Read(0, 1 << 24);
                    contents[(topic, p)] = r.ToArray();
                }
            }
            Assert.Null(manager.GetLog("orders", 3));
            Assert.Null(manager.GetLog("nope", 0));
        }
        Assert.True(File.Exists(Path.Combine(_dir.Sub("data"), LogManager.CleanShutdownFileName)));

        using (var manager = await LogManager.OpenAsync(Options()))
        {
            Assert.True(manager.OpenedAfterCleanShutdown);
            Assert.False(File.Exists(Path.Combine(_dir.Sub("data"), LogManager.CleanShutdownFileName)));
            var orders = manager.GetTopic("orders")!;
            Assert.Equal(id, orders.TopicId);
            Assert.Equal(custom, orders.Config);
            Assert.Equal(custom, manager.GetLog("orders", 2)!.Config);
            Assert.Equal(LogConfig.Default with { SegmentBytes = 16 * 1024 }, manager.GetTopic("payments.v1")!.Config);
            foreach (var ((topic, p), bytes) in contents)
            {
                var log = manager.GetLog(topic, p)!;
                Assert.True(log.Recovery.CleanShutdown);
                Assert.Equal(0, log.Recovery.BatchesScanned);
                using var r = log.Read(0, 1 << 24);
                Assert.Equal(bytes, r.ToArray());
            }
        }

        // Without the marker (as after a crash) every partition is scanned.
        File.Delete(Path.Combine(_dir.Sub("data"), LogManager.CleanShutdownFileName));
        using (var manager = await LogManager.OpenAsync(Options()))
        {
            Assert.False(manager.OpenedAfterCleanShutdown);
            var log = manager.GetLog("orders", 1)!;
            Assert.False(log.Recovery.CleanShutdown);
            Assert.True(log.Recovery.BatchesScanned > 0);
            using var r = log.Read(0, 1 << 24);
            Assert.Equal(contents[("orders", 1)], r.ToArray());
        }
    }

    [Fact]
    public async Task A_second_broker_cannot_open_a_locked_data_directory()
    {
        using (var manager = await LogManager.OpenAsync(Options()))
        {
            var e = await Assert.ThrowsAsync<StorageException>(() => LogManager.OpenAsync(Options()));
            Assert.EndsWith(LogManager.LockFileName, e.Path);
            Assert.Contains("in use", e.Message);
        }
        using var again = await LogManager.OpenAsync(Options()); // released on dispose
    }

    [Fact]
    public async Task Many_partitions_open_in_parallel_with_their_data()
    {
        var expected = new Dictionary<(string, int), long>();
        using (var manager = await LogManager.OpenAsync(Options()))
        {
            for (var t = 0; t < 6; t++)
            {
                manager.TryCreateTopic($"topic-{t}", 4, null, out _);
                for (var p = 0; p < 4; p++)
                {
                    Fill(manager.GetLog($"topic-{t}", p)!, (t * 4) + p + 1, t);
                    expected[($"topic-{t}", p)] = manager.GetLog($"topic-{t}", p)!.LogEndOffset;
                }
            }
        }
        File.Delete(Path.Combine(_dir.Sub("data"), LogManager.CleanShutdownFileName));
        using var reopened = await LogManager.OpenAsync(Options(recoveryThreads: 4));
        Assert.Equal(6, reopened.TopicNames.Count);
        foreach (var ((topic, p), end) in expected)
        {
            Assert.Equal(end, reopened.GetLog(topic, p)!.LogEndOffset);
        }
    }

    [Fact]
    public async Task Deleting_a_topic_removes_it_durably_while_a_reader_keeps_its_region()
    {
        using var manager = await LogManager.OpenAsync(Options());
        manager.TryCreateTopic("doomed", 2, null, out _);
        var log = manager.GetLog("doomed", 0)!;
        Fill(log, 10, 1);
        var region = log.Read(0, 1 << 20);
        var expected = region.ToArray();
        var waiter = log.WaitForOffsetAsync(1000, LogOffsetKind.LogEnd, CancellationToken.None).AsTask();

        Assert.True(manager.DeleteTopic("doomed"));
        Assert.False(manager.DeleteTopic("doomed"));
        Assert.Null(manager.GetLog("doomed", 0));
        Assert.False(Directory.Exists(Path.Combine(_dir.Sub("data"), "doomed-0")));
        Assert.False(await waiter.WaitAsync(TimeSpan.FromSeconds(30))); // waiters learn the log closed
        Assert.Equal(expected, region.ToArray());                       // the lease keeps the bytes
        region.Dispose();
        Assert.True(region.Segment is null);

        Assert.True(manager.TryCreateTopic("doomed", 1, null, out _));
        Assert.Equal(0, manager.GetLog("doomed", 0)!.LogEndOffset);
    }

    [Fact]
    public async Task Orphan_partition_directories_are_removed_and_config_updates_persist()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Sub("data"), "ghost-0"));
        File.WriteAllText(Path.Combine(_dir.Sub("data"), "ghost-0", "00000000000000000000.log"), "x");
        Directory.CreateDirectory(Path.Combine(_dir.Sub("data"), "not a partition"));
        Directory.CreateDirectory(Path.Combine(_dir.Sub("data"), "backup-2023"));
        File.WriteAllText(Path.Combine(_dir.Sub("data"), "backup-2023", "notes.txt"), "not ours");
        using (var manager = await LogManager.OpenAsync(Options()))
        {
            Assert.False(Directory.Exists(Path.Combine(_dir.Sub("data"), "ghost-0")));
            Assert.True(Directory.Exists(Path.Combine(_dir.Sub("data"), "not a partition")));
            Assert.True(File.Exists(Path.Combine(_dir.Sub("data"), "backup-2023", "notes.txt"))); // not ours: kept
            manager.TryCreateTopic("t", 1, null, out _);
            var updated = LogConfig.Default with { RetentionBytes = 12345, FlushOnEveryAppend = true };
            Assert.True(manager.UpdateTopicConfig("t", updated));
            Assert.Equal(updated, manager.GetLog("t", 0)!.Config);
            Assert.True(manager.AddPartitions("t", 3));
            Assert.NotNull(manager.GetLog("t", 2));
            Assert.Throws<ArgumentException>(() => manager.AddPartitions("t", 2));
            Assert.Throws<ArgumentException>(() => manager.TryCreateTopic("bad/name", 1, null, out _));
            Assert.Throws<ArgumentException>(() => manager.TryCreateTopic("..", 1, null, out _));
            Assert.Throws<ArgumentException>(() => manager.UpdateTopicConfig("t", LogConfig.Default with { SegmentBytes = 10 }));
        }
        using var reopened = await LogManager.OpenAsync(Options());
        Assert.Equal(12345, reopened.GetTopic("t")!.Config.RetentionBytes);
        Assert.Equal(3, reopened.GetTopic("t")!.Partitions);
        Assert.True(reopened.GetLog("t", 1)!.Config.FlushOnEveryAppend);
    }

    [Fact]
    public async Task Retention_runs_through_the_manager_and_corrupt_topic_files_are_reported()
    {
        using (var manager = await LogManager.OpenAsync(Options()))
        {
            manager.TryCreateTopic("r", 1, LogConfig.Default with { SegmentBytes = 4096, RetentionBytes = 4096 }, out _);
            Fill(manager.GetLog("r", 0)!, 40, 1);
            Assert.True(manager.EnforceRetention() > 0);
            Assert.True(manager.GetLog("r", 0)!.LogStartOffset > 0);
            manager.CheckpointAll();
        }
        File.WriteAllText(Path.Combine(_dir.Sub("data"), LogManager.TopicsDirectoryName, "r.json"), "{ not json");
        var e = await Assert.ThrowsAsync<StorageException>(() => LogManager.OpenAsync(Options()));
        Assert.EndsWith("r.json", e.Path);
        File.Delete(Path.Combine(_dir.Sub("data"), LogManager.TopicsDirectoryName, "r.json"));
        using var again = await LogManager.OpenAsync(Options()); // the failed open released the lock
        Assert.Null(again.GetTopic("r"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Sub("data"), "r-0"))); // orphaned data removed
    }

    [Fact]
    public async Task The_background_loop_enforces_retention_and_checkpoints_until_disposed()
    {
        var options = Options();
        options.RetentionCheckInterval = TimeSpan.FromMilliseconds(20);
        options.RecoveryPointCheckpointInterval = TimeSpan.FromMilliseconds(20);
        PartitionLog log;
        using (var manager = await LogManager.OpenAsync(options))
        {
            manager.TryCreateTopic("bg", 1, LogConfig.Default with { SegmentBytes = 4096, RetentionBytes = 4096 }, out _);
            log = manager.GetLog("bg", 0)!;
            Fill(log, 40, 1);
            Assert.True(SpinWait.SpinUntil(() => log.LogStartOffset > 0, TimeSpan.FromSeconds(30)), "retention did not run");
        }
        Assert.True(log.IsClosed);
        var checkpoint = Path.Combine(_dir.Sub("data"), "bg-0", PartitionCheckpoint.FileName);
        Assert.True(PartitionCheckpoint.TryRead(Path.GetDirectoryName(checkpoint)!, out var start, out var recoveryPoint, out _));
        Assert.Equal(log.LogStartOffset, start);
        Assert.Equal(log.LogEndOffset, recoveryPoint);
    }

    [Fact]
    public async Task No_clean_shutdown_marker_when_a_partition_failed_so_the_next_open_scans()
    {
        var faults = new StorageFaults();
        var options = Options();
        options.Faults = faults;
        using (var manager = await LogManager.OpenAsync(options))
        {
            manager.TryCreateTopic("ok", 1, null, out _);
            manager.TryCreateTopic("bad", 1, LogConfig.Default with { FlushOnEveryAppend = true }, out _);
            Fill(manager.GetLog("ok", 0)!, 5, 1);
            faults.BeforeLogFlush = path => throw new IOException("injected EIO on " + path);
            await Assert.ThrowsAsync<StorageException>(() => manager.GetLog("bad", 0)!.AppendAsync(TestBatches.Build(1, 10, 1), 0).AsTask());
            faults.BeforeLogFlush = null;
        }
        Assert.False(File.Exists(Path.Combine(_dir.Sub("data"), LogManager.CleanShutdownFileName)));
        using var reopened = await LogManager.OpenAsync(Options());
        Assert.False(reopened.OpenedAfterCleanShutdown);
        Assert.Equal(10, reopened.GetLog("ok", 0)!.LogEndOffset);
        Assert.Equal(1, reopened.GetLog("bad", 0)!.LogEndOffset); // the page cache still had it
    }

    [Fact]
    public async Task A_data_directory_that_is_a_file_gives_a_storage_exception_with_the_path()
    {
        var file = _dir.Sub("file");
        await File.WriteAllTextAsync(file, "x");
        var e = await Assert.ThrowsAsync<StorageException>(() => LogManager.OpenAsync(new StorageOptions { DataDirectory = file }));
        Assert.Equal(file, e.Path);
    }
}
