using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Storage;

public sealed class PartitionLogConcurrencyTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Checks a region: whole valid batches, contiguous, the first holding <paramref name="offset"/>, payloads matching their offsets.</summary>
    private static long VerifyPatternRegion(LogReadResult result, long offset)
    {
        var batches = TestBatches.Split(result.ToArray());
        Assert.NotEmpty(batches);
        Assert.True(batches[0].Header.BaseOffset <= offset && batches[0].Header.LastOffset >= offset, $"first batch does not hold {offset}");
        var expected = batches[0].Header.BaseOffset;
        foreach (var (header, bytes) in batches)
        {
            Assert.Equal(expected, header.BaseOffset);
            Assert.True(TestBatches.PayloadMatchesPattern(bytes, header.BaseOffset), $"payload of batch {header.BaseOffset} is wrong");
            expected = header.LastOffset + 1;
        }
        return expected;
    }

    [Fact]
    public async Task Readers_concurrent_with_an_appender_never_see_partial_or_wrong_batches()
    {
        var config = LogConfig.Default with { SegmentBytes = 64 * 1024, IndexIntervalBytes = 1024, RetentionBytes = 256 * 1024 };
        using var log = PartitionLog.Open(_dir.Sub("c-0"), "c", 0, config, false);
        const int appends = 3000;
        using var done = new CancellationTokenSource();
        var appender = Task.Run(() =>
        {
            var rng = new Random(1);
            for (var i = 0; i < appends; i++)
            {
                // One appender: the next base offset is the log end offset.
                var count = rng.Next(1, 4);
                var batches = new byte[count][];
                var next = log.LogEndOffset;
                for (var b = 0; b < count; b++)
                {
                    var records = rng.Next(1, 5);
                    batches[b] = TestBatches.ForOffset(next, records, rng.Next(0, 2000), i);
                    next += records;
                }
                Assert.True(log.Append(TestBatches.Concat(batches), 0).Succeeded);
                if (i % 500 == 0)
                {
                    log.DeleteRetainedSegments(); // retention concurrently with readers
                }
            }
        });
        var randomReads = 0L;
        var randomReaders = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var rng = new Random(100 + r);
            while (!appender.IsCompleted || Interlocked.Read(ref randomReads) < 100)
            {
                var end = log.LogEndOffset;
                var start = log.LogStartOffset;
                if (end == start)
                {
                    continue;
                }
                var offset = rng.NextInt64(start, end);
                using var result = log.Read(offset, rng.Next(1, 32 * 1024));
                if (result.OffsetOutOfRange)
                {
                    Assert.True(offset < result.LogStartOffset, "only retention may put an offset out of range");
                    continue;
                }
                VerifyPatternRegion(result, offset);
                Interlocked.Increment(ref randomReads);
            }
        })).ToArray();
        // A tailing reader follows the end with the change notification (no polling).
        var tail = Task.Run(async () =>
        {
            long next = 0;
            var rng = new Random(7);
            while (true)
            {
                if (!await log.WaitForOffsetAsync(next, LogOffsetKind.LogEnd, done.Token))
                {
                    return next;
                }
                // Retention may delete what the tail reader has not read yet: it then skips ahead.
                var from = Math.Max(next, log.LogStartOffset);
                using var result = log.Read(from, rng.Next(1, 64 * 1024));
                if (result.Length > 0)
                {
                    next = VerifyPatternRegion(result, from);
                }
                if (appender.IsCompleted && next == log.LogEndOffset)
                {
                    return next;
                }
            }
        });
        await appender.WaitAsync(Bound);
        await Task.WhenAll(randomReaders).WaitAsync(Bound);
        Assert.Equal(log.LogEndOffset, await tail.WaitAsync(Bound));
        Assert.True(randomReads >= 100);
        Assert.Null(log.Failure);
    }

    [Fact]
    public async Task A_multi_batch_record_set_becomes_visible_all_at_once()
    {
        // Each batch carries (set size, index in set) in its producer id / base sequence fields. A reader
        // whose region ends at the committed end must always end on the last batch of a set.
        using var log = PartitionLog.Open(_dir.Sub("atomic-0"), "atomic", 0, LogConfig.Default, false);
        const int sets = 2000;
        var appender = Task.Run(() =>
        {
            var rng = new Random(3);
            for (var i = 0; i < sets; i++)
            {
                var size = rng.Next(1, 6);
                var batches = Enumerable.Range(0, size).Select(k => TestBatches.Build(1, rng.Next(0, 300), i, seed: i, producerId: size, baseSequence: k)).ToArray();
                Assert.True(log.Append(TestBatches.Concat(batches), 0).Succeeded);
            }
        });
        var checkedRegions = 0;
        var rng = new Random(4);
        while (!appender.IsCompleted || checkedRegions < 50)
        {
            var end = log.LogEndOffset;
            if (end == 0)
            {
                continue;
            }
            using var result = log.Read(Math.Max(0, end - rng.Next(1, 20)), int.MaxValue);
            if (result.Length == 0)
            {
                continue;
            }
            var last = TestBatches.Split(result.ToArray())[^1].Header;
            Assert.Equal(last.ProducerId - 1, last.BaseSequence);
            checkedRegions++;
        }
        await appender.WaitAsync(Bound);
    }

    [Fact]
    public async Task Group_commit_four_waiting_appenders_share_one_fsync()
    {
        var faults = new StorageFaults();
        using var firstFlushEntered = new ManualResetEventSlim();
        using var releaseFirstFlush = new ManualResetEventSlim();
        var flushes = 0;
        faults.BeforeLogFlush = _ =>
        {
            if (Interlocked.Increment(ref flushes) == 1)
            {
                firstFlushEntered.Set();
                Assert.True(releaseFirstFlush.Wait(Bound));
            }
        };
        var config = LogConfig.Default with { FlushOnEveryAppend = true };
        using var log = PartitionLog.Open(_dir.Sub("g-0"), "g", 0, config, false, faults: faults);

        // The first appender leads round 1 on its own thread and blocks inside its fsync.
        var first = Task.Run(() => log.AppendAsync(TestBatches.Build(1, 100, 1), 0).AsTask());
        Assert.True(firstFlushEntered.Wait(Bound)); // round 1 (covering offset 0) is inside its fsync
        var others = Enumerable.Range(0, 3).Select(i => Task.Run(() => log.AppendAsync(TestBatches.Build(1, 100, 2 + i), 0).AsTask())).ToArray();
        Assert.True(await log.WaitForOffsetAsync(3, LogOffsetKind.LogEnd, CancellationToken.None).AsTask().WaitAsync(Bound));
        // All three appended; none can be acknowledged while round 1 is blocked in its fsync.
        Assert.False(first.IsCompleted);
        Assert.All(others, t => Assert.False(t.IsCompleted));
        releaseFirstFlush.Set();

        var results = await Task.WhenAll(others.Append(first)).WaitAsync(Bound);
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(new long[] { 0, 1, 2, 3 }, results.Select(r => r.BaseOffset).Order());
        Assert.Equal(4, log.RecoveryPoint);
        Assert.Equal(2, faults.LogFlushCount); // one fsync for the first appender, one shared by the other three (whoever of them runs round 2 covers all)
    }

    [Fact]
    public async Task The_appender_that_completes_the_expected_group_runs_its_fsync_and_acknowledges_all()
    {
        var faults = new StorageFaults();
        using var firstFlushEntered = new ManualResetEventSlim();
        using var releaseFirstFlush = new ManualResetEventSlim();
        var flushes = 0;
        faults.BeforeLogFlush = _ =>
        {
            if (Interlocked.Increment(ref flushes) == 1)
            {
                firstFlushEntered.Set();
                Assert.True(releaseFirstFlush.Wait(Bound));
            }
        };
        var config = LogConfig.Default with { FlushOnEveryAppend = true };
        using var log = PartitionLog.Open(_dir.Sub("last-0"), "last", 0, config, false, faults: faults);
        log.SiblingWait = TimeSpan.FromMinutes(5); // no timer: only the fourth participant can run round 2

        // Round 1: one appender inside its fsync, three waiting on it: four appenders are around.
        var first = Task.Run(() => log.AppendAsync(TestBatches.Build(1, 100, 1), 0).AsTask());
        Assert.True(firstFlushEntered.Wait(Bound));
        var others = Enumerable.Range(0, 3).Select(i => Task.Run(() => log.AppendAsync(TestBatches.Build(1, 100, 2 + i), 0).AsTask())).ToArray();
        Assert.True(await log.WaitForOffsetAsync(3, LogOffsetKind.LogEnd, CancellationToken.None).AsTask().WaitAsync(Bound));
        releaseFirstFlush.Set();
        Assert.True((await first.WaitAsync(Bound)).Succeeded);

        // The three uncovered ones gather in round 2, which expects four and so does not run yet.
        Assert.True(SpinWait.SpinUntil(() => log.FormingRoundParticipants == 3, Bound), "three appenders gather in the next round");
        Assert.All(others, t => Assert.False(t.IsCompleted));
        Assert.Equal(1, faults.LogFlushCount);

        // A fourth completes the group: it runs the fsync on its own thread (acknowledged synchronously)
        // and the same fsync acknowledges the other three.
        var fourth = log.AppendAsync(TestBatches.Build(1, 100, 9), 0);
        Assert.True(fourth.IsCompletedSuccessfully);
        var results = await Task.WhenAll(others).WaitAsync(Bound);
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(2, faults.LogFlushCount);
        Assert.Equal(5, log.RecoveryPoint);
        Assert.Equal(new long[] { 1, 2, 3 }, results.Select(r => r.BaseOffset).Order());
    }

    [Fact]
    public async Task A_group_short_of_its_expected_size_runs_after_the_sibling_wait()
    {
        var config = LogConfig.Default with { FlushOnEveryAppend = true };
        var faults = new StorageFaults();
        using var log = PartitionLog.Open(_dir.Sub("short-0"), "short", 0, config, false, faults: faults);
        log.SiblingWait = TimeSpan.FromMilliseconds(50);
        // Four concurrent appenders establish the expectation, then one stays: each of its rounds runs
        // after the sibling wait (the timer), until the expectation decays and it runs its own at once.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.True((await log.AppendAsync(TestBatches.Build(1, 100, i), 0)).Succeeded);
            }
        }))).WaitAsync(Bound);
        for (var i = 0; i < 20; i++)
        {
            var result = await log.AppendAsync(TestBatches.Build(1, 100, i), 0).AsTask().WaitAsync(Bound);
            Assert.True(result.Succeeded);
            Assert.True(log.RecoveryPoint > result.LastOffset, "acknowledged before its fsync");
        }
        Assert.Equal(100, log.RecoveryPoint);
        var last = log.AppendAsync(TestBatches.Build(1, 100, 99), 0);
        Assert.True(last.IsCompletedSuccessfully, "alone again, the appender runs its round at once");
    }

    [Fact]
    public async Task Concurrent_durable_appenders_all_get_distinct_offsets_and_durable_acks()
    {
        var config = LogConfig.Default with { FlushOnEveryAppend = true, SegmentBytes = 32 * 1024 };
        var faults = new StorageFaults();
        using var log = PartitionLog.Open(_dir.Sub("d-0"), "d", 0, config, false, faults: faults);
        var tasks = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var acks = new List<AppendResult>();
            for (var i = 0; i < 50; i++)
            {
                var r = await log.AppendAsync(TestBatches.Build(2, 300, i), 0);
                Assert.True(log.RecoveryPoint > r.LastOffset, "acknowledged before its fsync");
                acks.Add(r);
            }
            return acks;
        })).ToArray();
        var all = (await Task.WhenAll(tasks).WaitAsync(Bound)).SelectMany(a => a).ToList();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i * 2L), all.Select(r => r.BaseOffset).Order());
        Assert.True(faults.LogFlushCount <= 200);
    }

    [Fact]
    public async Task High_watermark_waiters_are_driven_by_the_owner_not_by_appends()
    {
        using var log = PartitionLog.Open(_dir.Sub("hw-0"), "hw", 0, LogConfig.Default, false);
        log.AutoAdvanceHighWatermark = false;
        var endWaiter = log.WaitForOffsetAsync(0, LogOffsetKind.LogEnd, CancellationToken.None).AsTask();
        var hwWaiter = log.WaitForOffsetAsync(0, LogOffsetKind.HighWatermark, CancellationToken.None).AsTask();
        Assert.False(endWaiter.IsCompleted);
        log.Append(TestBatches.Build(3, 10, 1), 0);
        Assert.True(await endWaiter.WaitAsync(Bound));
        Assert.Equal(0, log.HighWatermark);
        Assert.False(hwWaiter.IsCompleted);
        using (var r = log.Read(0, 1000, maxOffset: log.HighWatermark))
        {
            Assert.Equal(0, r.Length); // consumers read up to the high watermark only
        }
        log.SetHighWatermark(2);
        Assert.True(await hwWaiter.WaitAsync(Bound));
        Assert.Equal(2, log.HighWatermark);
        log.SetHighWatermark(100);
        Assert.Equal(3, log.HighWatermark); // clamped to the log end

        using var cts = new CancellationTokenSource();
        var cancelled = log.WaitForOffsetAsync(10, LogOffsetKind.LogEnd, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Bound));

        log.SetHighWatermark(2);
        var closing = log.WaitForOffsetAsync(10, LogOffsetKind.LogEnd, CancellationToken.None).AsTask();
        log.Dispose();
        Assert.False(await closing.WaitAsync(Bound));

        // The high watermark is checkpointed; after reopen it is offered to the replication layer.
        using var reopened = PartitionLog.Open(_dir.Sub("hw-0"), "hw", 0, LogConfig.Default, true);
        Assert.Equal(2, reopened.HighWatermarkAtOpen);
        Assert.Equal(3, reopened.HighWatermark);
    }

    [Fact]
    public void Flush_policies_trigger_background_fsyncs_only_when_configured()
    {
        void Run(LogConfig config, int appends, bool expectFlush)
        {
            var faults = new StorageFaults();
            using var flushed = new ManualResetEventSlim();
            faults.BeforeLogFlush = _ => flushed.Set();
            var name = $"p{Guid.NewGuid():N}";
            using var log = PartitionLog.Open(_dir.Sub(name + "-0"), name, 0, config, false, faults: faults);
            for (var i = 0; i < appends; i++)
            {
                log.Append(TestBatches.Build(1, 10, i), 0);
            }
            if (expectFlush)
            {
                Assert.True(flushed.Wait(Bound), "the policy should have started an fsync");
            }
            else
            {
                Assert.Equal(0, faults.LogFlushCount); // nothing asks the flusher (no roll, no policy)
            }
        }
        Run(LogConfig.Default with { FlushMessages = 10 }, 10, expectFlush: true);
        Run(LogConfig.Default with { FlushMs = 20 }, 1, expectFlush: true);
        Run(LogConfig.Default, 50, expectFlush: false);
    }
}
