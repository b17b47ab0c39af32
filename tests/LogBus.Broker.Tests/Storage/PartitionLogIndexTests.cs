using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Storage;

public sealed class PartitionLogIndexTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly LogConfig Config = LogConfig.Default with { SegmentBytes = 48 * 1024, IndexIntervalBytes = 700 };

    /// <summary>(segment base, batch base, batch last, position) of every stored batch, from the model.</summary>
    private static List<(long Segment, long Base, long Last, long Position, int Size, long MaxTs)> Layout(PartitionLog log, LogModel model)
    {
        var segmentBases = log.Segments.Select(s => s.BaseOffset).ToList();
        var layout = new List<(long, long, long, long, int, long)>();
        long position = 0, currentSegment = -1;
        foreach (var batch in model.Batches)
        {
            RecordBatchHeader.TryRead(batch, out var h);
            var segment = segmentBases.Last(b => b <= h.BaseOffset);
            if (segment != currentSegment)
            {
                currentSegment = segment;
                position = 0;
            }
            layout.Add((segment, h.BaseOffset, h.LastOffset, position, batch.Length, h.MaxTimestamp));
            position += batch.Length;
        }
        return layout;
    }

    private static Dictionary<long, int> Lookups(PartitionLog log, List<(long Segment, long Base, long Last, long Position, int Size, long MaxTs)> layout)
    {
        var result = new Dictionary<long, int>();
        foreach (var b in layout)
        {
            var segment = log.Segments.Single(s => s.BaseOffset == b.Segment);
            for (var o = b.Base; o <= b.Last; o++)
            {
                var found = segment.Index.LookupPosition(o - segment.BaseOffset);
                // The entry is a batch start at or before the batch holding o, and at most one index
                // interval plus one batch before it (the sparse index guarantee).
                var entry = layout.Single(x => x.Segment == b.Segment && x.Position == found);
                Assert.True(entry.Base <= o, $"index entry for {o} points past it");
                Assert.True(b.Position - found <= Config.IndexIntervalBytes + 4096, $"index entry for {o} is {b.Position - found} bytes behind");
                result[o] = found;
            }
        }
        return result;
    }

    [Fact]
    public void Offset_index_lookups_at_every_offset_agree_live_after_clean_reopen_and_after_rebuild()
    {
        var rng = new Random(7);
        var model = new LogModel();
        var path = _dir.Sub("idx-0");
        var log = PartitionLog.Open(path, "idx", 0, Config, false);
        try
        {
            var ts = 5_000L;
            for (var i = 0; i < 400; i++)
            {
                var b = TestBatches.Build(rng.Next(1, 8), rng.Next(0, 1200), ts += rng.Next(-3, 10), rng.Next());
                log.Append(b, 0);
                model.AddSet(b);
            }
            var layout = Layout(log, model);
            Assert.True(log.SegmentCount >= 4);
            var live = Lookups(log, layout);
            Assert.True(log.Segments.Sum(s => s.Index.Count) > 20, "the index should be populated");

            log.Dispose();
            log = PartitionLog.Open(path, "idx", 0, Config, cleanShutdown: true); // index files from disk
            Assert.Equal(live, Lookups(log, layout));

            log.Dispose();
            foreach (var f in Directory.GetFiles(path, "*.index").Concat(Directory.GetFiles(path, "*.timeindex")))
            {
                File.Delete(f); // lost index files are rebuilt from the batches
            }
            log = PartitionLog.Open(path, "idx", 0, Config, cleanShutdown: false);
            Assert.Equal(live, Lookups(log, layout));
            model.VerifyEverything(log, rng);
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void Time_lookup_finds_the_first_batch_at_or_after_every_timestamp()
    {
        var rng = new Random(11);
        var model = new LogModel();
        var path = _dir.Sub("time-0");
        var log = PartitionLog.Open(path, "time", 0, Config, false);
        try
        {
            var ts = 10_000L;
            for (var i = 0; i < 250; i++)
            {
                // Mostly increasing with occasional out-of-order timestamps, like real producers.
                ts += rng.Next(0, 4);
                var b = TestBatches.Build(rng.Next(1, 4), rng.Next(0, 900), ts - (rng.Next(5) == 0 ? rng.Next(0, 20) : 0), rng.Next());
                log.Append(b, 0);
                model.AddSet(b);
            }
            var layout = Layout(log, model);
            void Check()
            {
                for (var t = 9_990L; t <= ts + 2; t++)
                {
                    var expected = layout.FirstOrDefault(b => b.MaxTs >= t);
                    var actual = log.FindOffsetByTimestamp(t);
                    if (expected == default)
                    {
                        Assert.Null(actual);
                    }
                    else
                    {
                        Assert.Equal(new TimestampOffset(expected.Base, expected.MaxTs), actual);
                    }
                }
            }
            Check();
            log.Dispose();
            log = PartitionLog.Open(path, "time", 0, Config, cleanShutdown: true);
            Check();
            log.Dispose();
            log = PartitionLog.Open(path, "time", 0, Config, cleanShutdown: false);
            Check();
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void Corrupt_index_file_of_a_sealed_segment_is_rebuilt_not_trusted()
    {
        var model = new LogModel();
        var path = _dir.Sub("badidx-0");
        using (var log = PartitionLog.Open(path, "badidx", 0, Config, false))
        {
            for (var i = 0; i < 200; i++)
            {
                var b = TestBatches.Build(2, 500, i);
                log.Append(b, 0);
                model.AddSet(b);
            }
        }
        var firstIndex = Directory.GetFiles(path, "*.index").OrderBy(f => f).First();
        var bytes = File.ReadAllBytes(firstIndex);
        Assert.True(bytes.Length >= 16);
        bytes[5] = 0xFF; // a position far beyond the file: inconsistent
        File.WriteAllBytes(firstIndex, bytes);
        using var reopened = PartitionLog.Open(path, "badidx", 0, Config, cleanShutdown: true);
        model.VerifyEverything(reopened, new Random(3));
    }
}
