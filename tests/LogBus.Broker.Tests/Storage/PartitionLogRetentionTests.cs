using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

public sealed class PartitionLogRetentionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private PartitionLog Open(LogConfig config, bool clean = false) => PartitionLog.Open(_dir.Sub("r-0"), "r", 0, config, clean, _clock);

    private static void Fill(PartitionLog log, LogModel model, int count, long timestamp, int payload = 900)
    {
        for (var i = 0; i < count; i++)
        {
            var b = TestBatches.Build(2, payload, timestamp);
            Assert.True(log.Append(b, 0).Succeeded);
            model.AddSet(b);
        }
    }

    [Fact]
    public void Size_retention_deletes_whole_oldest_segments_and_moves_a_checkpointed_log_start()
    {
        var config = LogConfig.Default with { SegmentBytes = 16 * 1024, RetentionBytes = 40 * 1024, RetentionMs = -1 };
        var model = new LogModel();
        var log = Open(config);
        try
        {
            Fill(log, model, 200, _clock.NowMs); // ~ 200 KB in ~13 segments
            var segmentsBefore = log.SegmentCount;
            var deleted = log.DeleteRetainedSegments();
            Assert.True(deleted > 0);
            Assert.Equal(segmentsBefore - deleted, log.SegmentCount);
            Assert.True(log.SizeInBytes >= config.RetentionBytes, "retention must keep at least retention.bytes");
            Assert.True(log.SizeInBytes - log.Segments[0].Size < config.RetentionBytes, "one more deletion would go below retention.bytes");
            Assert.Equal(log.Segments[0].BaseOffset, log.LogStartOffset);
            Assert.Equal(Directory.GetFiles(_dir.Sub("r-0"), "*.log").Length, log.SegmentCount);
            var start = log.LogStartOffset;
            using (var r = log.Read(start - 1, 1000))
            {
                Assert.True(r.OffsetOutOfRange);
            }
            Assert.Equal(start, log.FindOffsetByTimestamp(0)?.Offset);
            model.DropBefore(start);
            model.VerifyEverything(log, new Random(1));
            Assert.Equal(0, log.DeleteRetainedSegments()); // idempotent

            log.Dispose();
            log = Open(config, clean: false);
            Assert.Equal(start, log.LogStartOffset);
            model.VerifyEverything(log, new Random(2));
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void Time_retention_deletes_segments_whose_newest_timestamp_expired_but_never_the_active_one()
    {
        var config = LogConfig.Default with { SegmentBytes = 16 * 1024, RetentionMs = 60_000 };
        var model = new LogModel();
        using var log = Open(config);
        var old = _clock.NowMs - 120_000;
        Fill(log, model, 60, old);          // expired data, several segments
        log.Roll();
        var firstFresh = log.LogEndOffset;
        Fill(log, model, 30, _clock.NowMs); // fresh data
        Assert.True(log.DeleteRetainedSegments() > 0);
        Assert.Equal(firstFresh, log.LogStartOffset);

        // Everything expires: all but the active segment go.
        _clock.Advance(TimeSpan.FromMinutes(5));
        log.DeleteRetainedSegments();
        Assert.Equal(1, log.SegmentCount);
        Assert.Null(log.Failure);
        Assert.Equal(log.Segments[0].BaseOffset, log.LogStartOffset);
        Assert.True(log.LogEndOffset > log.LogStartOffset);
    }

    [Fact]
    public void Compacted_topics_are_not_deleted_by_retention()
    {
        var config = LogConfig.Default with { SegmentBytes = 16 * 1024, RetentionBytes = 1024, CleanupPolicy = CleanupPolicy.Compact };
        var model = new LogModel();
        using var log = Open(config);
        Fill(log, model, 60, _clock.NowMs);
        Assert.Equal(0, log.DeleteRetainedSegments());
        Assert.Equal(0, log.LogStartOffset);
    }

    [Fact]
    public void Segments_roll_by_size_and_by_age()
    {
        var config = LogConfig.Default with { SegmentBytes = 8 * 1024, SegmentMs = 60_000 };
        var model = new LogModel();
        using var log = Open(config);
        Fill(log, model, 8, _clock.NowMs); // 8 * ~973 bytes fits in 8 KiB
        Assert.Equal(1, log.SegmentCount);
        Fill(log, model, 1, _clock.NowMs);
        Assert.Equal(2, log.SegmentCount); // by size
        Assert.True(log.Segments[0].Size <= config.SegmentBytes);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Fill(log, model, 1, _clock.NowMs);
        Assert.Equal(2, log.SegmentCount);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Fill(log, model, 1, _clock.NowMs);
        Assert.Equal(3, log.SegmentCount); // by age
        Assert.Equal(log.LogEndOffset - 2, log.Segments[^1].BaseOffset);
        model.VerifyEverything(log, new Random(5));
    }

    [Fact]
    public void Log_start_offset_increase_is_checkpointed_and_frees_segments()
    {
        var config = LogConfig.Default with { SegmentBytes = 8 * 1024 };
        var model = new LogModel();
        var log = Open(config);
        try
        {
            Fill(log, model, 40, _clock.NowMs);
            Assert.False(log.IncreaseLogStartOffset(log.HighWatermark + 1));
            Assert.True(log.IncreaseLogStartOffset(33));
            Assert.Equal(33, log.LogStartOffset);
            using (var r = log.Read(33, 100))
            {
                Assert.Equal(32, r.FirstOffset); // the batch holding 33
            }
            var segments = log.SegmentCount;
            Assert.True(log.DeleteRetainedSegments() > 0);
            Assert.True(log.SegmentCount < segments);
            Assert.Equal(33, log.LogStartOffset);

            log.Abandon();
            log = Open(config, clean: false);
            Assert.Equal(33, log.LogStartOffset);
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void A_region_stays_readable_after_retention_deletes_its_segment_until_released()
    {
        var config = LogConfig.Default with { SegmentBytes = 8 * 1024, RetentionBytes = 0 };
        var model = new LogModel();
        using var log = Open(config);
        Fill(log, model, 30, _clock.NowMs);
        var region = log.Read(0, 4096);
        var segment = region.Segment!;
        var expected = model.Batches.Take(region.Length / model.Batches[0].Length).SelectMany(b => b).ToArray();
        Assert.True(log.DeleteRetainedSegments() > 0);
        Assert.False(File.Exists(segment.LogPath)); // unlinked right away
        Assert.False(segment.IsClosed);             // but the lease keeps the handle open
        Assert.Equal(expected, region.ToArray());
        var buffer = new byte[region.Length];
        Assert.Equal(region.Length, RandomAccess.Read(region.File!.SafeFileHandle, buffer, region.Position));
        Assert.Equal(expected, buffer);
        region.Dispose();
        Assert.True(segment.IsClosed);
        region.Dispose(); // idempotent
    }
}
