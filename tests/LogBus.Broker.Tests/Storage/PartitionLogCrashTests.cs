using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Storage;

/// <summary>Crash simulation: the process dies (no index files, no checkpoint), then the active segment is cut or corrupted at a random byte.</summary>
public sealed class PartitionLogCrashTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly LogConfig Config = LogConfig.Default with { SegmentBytes = 32 * 1024, IndexIntervalBytes = 512 };

    public static TheoryData<int> Trials()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < 40; i++)
        {
            data.Add(i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Trials))]
    public async Task Cut_or_corrupt_active_segment_then_reopen_ends_at_last_intact_batch(int trial)
    {
        var rng = new Random(1000 + trial);
        var path = _dir.Sub($"crash{trial}-0");
        var model = new LogModel();
        var log = PartitionLog.Open(path, "crash", 0, Config, cleanShutdown: false);
        var ts = 1_000_000L;
        var appends = rng.Next(20, 120);
        for (var i = 0; i < appends; i++)
        {
            var set = TestBatches.Concat(Enumerable.Range(0, rng.Next(1, 4))
                .Select(_ => TestBatches.Build(rng.Next(1, 5), rng.Next(0, 1500), ts += rng.Next(1, 9), rng.Next())).ToArray());
            // Epochs change now and then, so the epoch check in recovery is exercised too.
            var epoch = i / 30;
            Assert.True(log.Append(set, epoch).Succeeded);
            model.AddSet(set);
            if (rng.Next(10) == 0)
            {
                await log.FlushAsync(); // moves the recovery point somewhere inside the log
            }
        }
        log.Abandon();

        var active = Directory.GetFiles(path, "*.log").OrderBy(f => f).Last();
        var activeBase = long.Parse(Path.GetFileNameWithoutExtension(active), System.Globalization.CultureInfo.InvariantCulture);
        var size = new FileInfo(active).Length;
        // Batches of the active segment with their file positions.
        var first = model.IndexOf(activeBase);
        if (model.Count > 0 && first >= 0 && RecordBatchHeaderBase(model.Batches[first]) < activeBase)
        {
            first++;
        }
        var starts = new List<long>();
        long p = 0;
        for (var i = Math.Max(first, 0); i < model.Count; i++)
        {
            starts.Add(p);
            p += model.Batches[i].Length;
        }
        Assert.Equal(size, p);

        // Cut anywhere, or flip a byte anywhere, or in the fields the CRC does not cover (base offset,
        // leader epoch) of a random batch: those must be caught by the offset and epoch checks.
        var mode = rng.Next(4);
        var cut = mode == 0;
        var position = size == 0 ? 0 : rng.NextInt64(0, size);
        if (mode >= 2 && starts.Count > 0)
        {
            var victim = starts[rng.Next(starts.Count)];
            position = victim + (mode == 2 ? rng.Next(0, 8) : RecordBatchHeader.PartitionLeaderEpochPosition + rng.Next(0, 4));
        }
        int survivors; // batches of the active segment that must survive
        if (cut)
        {
            using (var fs = new FileStream(active, FileMode.Open, FileAccess.Write))
            {
                fs.SetLength(position);
            }
            survivors = starts.Count(s => s + model.Batches[first + starts.IndexOf(s)].Length <= position);
        }
        else
        {
            if (size > 0)
            {
                using var fs = new FileStream(active, FileMode.Open, FileAccess.ReadWrite);
                fs.Position = position;
                var b = fs.ReadByte();
                fs.Position = position;
                fs.WriteByte((byte)(b ^ rng.Next(1, 256)));
            }
            survivors = size == 0 ? 0 : starts.Count(s => s <= position) - 1;
        }
        model.TruncateFromBatch(Math.Max(first, 0) + survivors);
        var expectedEnd = model.Count == 0 ? 0 : LogModel.LastOffset(model.Batches[^1]) + 1;
        if (model.Count > 0 && survivors == 0)
        {
            expectedEnd = activeBase; // the active segment is emptied; earlier segments are intact
        }

        log = PartitionLog.Open(path, "crash", 0, Config, cleanShutdown: false);
        try
        {
            Assert.False(log.Recovery.CleanShutdown);
            Assert.Equal(expectedEnd, log.LogEndOffset);
            Assert.True(log.Recovery.BatchesScanned >= survivors);
            model.VerifyEverything(log, rng);
            // The log keeps working: append, read, reopen cleanly.
            var more = TestBatches.Build(2, 100, ts + 1);
            var r = log.Append(more, 99);
            Assert.Equal(expectedEnd, r.BaseOffset);
            model.AddSet(more);
            log.Dispose();
            log = PartitionLog.Open(path, "crash", 0, Config, cleanShutdown: true);
            Assert.True(log.Recovery.CleanShutdown);
            model.VerifyEverything(log, rng);
        }
        finally
        {
            log.Dispose();
        }
    }

    private static long RecordBatchHeaderBase(byte[] batch)
    {
        RecordBatchHeader.TryRead(batch, out var h);
        return h.BaseOffset;
    }

    [Fact]
    public void Clean_shutdown_skips_the_scan_and_unclean_open_scans_and_truncates()
    {
        var path = _dir.Sub("clean-0");
        var model = new LogModel();
        using (var log = PartitionLog.Open(path, "clean", 0, Config, cleanShutdown: false))
        {
            for (var i = 0; i < 40; i++)
            {
                var b = TestBatches.Build(3, 200, i);
                log.Append(b, 0);
                model.AddSet(b);
            }
        }
        // Corrupt a record byte of the 3rd batch of the active segment: only a CRC scan can notice.
        var active = Directory.GetFiles(path, "*.log").OrderBy(f => f).Last();
        var activeBase = long.Parse(Path.GetFileNameWithoutExtension(active), System.Globalization.CultureInfo.InvariantCulture);
        var batchSize = model.Batches[0].Length;
        using (var fs = new FileStream(active, FileMode.Open, FileAccess.ReadWrite))
        {
            fs.Position = (2 * batchSize) + RecordBatchHeader.Size + 10;
            var b = fs.ReadByte();
            fs.Position -= 1;
            fs.WriteByte((byte)~b);
        }
        using (var log = PartitionLog.Open(path, "clean", 0, Config, cleanShutdown: true))
        {
            Assert.True(log.Recovery.CleanShutdown);
            Assert.Equal(0, log.Recovery.BatchesScanned);
            Assert.Equal(120, log.LogEndOffset); // the corrupt batch is still there: nothing was CRC-checked
        }
        using (var log = PartitionLog.Open(path, "clean", 0, Config, cleanShutdown: false))
        {
            Assert.False(log.Recovery.CleanShutdown);
            Assert.True(log.Recovery.BatchesScanned > 0);
            Assert.Equal(activeBase + 6, log.LogEndOffset);
        }
    }

    [Fact]
    public void Clean_marker_with_trailing_garbage_falls_back_to_recovery()
    {
        var path = _dir.Sub("garbage-0");
        using (var log = PartitionLog.Open(path, "garbage", 0, Config, cleanShutdown: false))
        {
            log.Append(TestBatches.Build(5, 100, 1), 0);
        }
        var active = Directory.GetFiles(path, "*.log").Single();
        File.AppendAllText(active, "not a batch at all, but long enough to look like a header.......");
        using var reopened = PartitionLog.Open(path, "garbage", 0, Config, cleanShutdown: true);
        Assert.False(reopened.Recovery.CleanShutdown);
        Assert.Equal(5, reopened.LogEndOffset);
        Assert.True(reopened.Recovery.BytesTruncated > 0);
    }

    [Fact]
    public void Lost_leader_epoch_checkpoint_is_rebuilt_from_the_batches()
    {
        var path = _dir.Sub("epochs-0");
        using (var log = PartitionLog.Open(path, "epochs", 0, Config, cleanShutdown: false))
        {
            log.Append(TestBatches.Build(5, 100, 1), 1);
            log.Append(TestBatches.Build(5, 100, 2), 3);
        }
        File.Delete(Path.Combine(path, LeaderEpochCache.FileName));
        using var reopened = PartitionLog.Open(path, "epochs", 0, Config, cleanShutdown: true);
        Assert.False(reopened.Recovery.CleanShutdown); // cannot trust epochs without the file: full scan
        Assert.Equal(new[] { (1, 0L), (3, 5L) }, reopened.EpochEntries);
        Assert.Equal(10, reopened.LogEndOffset);
    }
}
