using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Storage;

public sealed class PartitionLogAppendReadTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly LogConfig SmallSegments = LogConfig.Default with { SegmentBytes = 64 * 1024, IndexIntervalBytes = 1024 };

    private PartitionLog Open(LogConfig? config = null, bool clean = false) =>
        PartitionLog.Open(_dir.Sub("t-0"), "t", 0, config ?? SmallSegments, clean);

    [Fact]
    public void Randomized_appends_are_readable_at_every_offset_byte_exact_before_and_after_reopen()
    {
        var rng = new Random(12345);
        var model = new LogModel();
        var log = Open();
        try
        {
            var ts = 1_700_000_000_000L;
            for (var i = 0; i < 300; i++)
            {
                var batches = new byte[rng.Next(1, 4)][];
                for (var b = 0; b < batches.Length; b++)
                {
                    ts += rng.Next(0, 50);
                    batches[b] = TestBatches.Build(rng.Next(1, 6), rng.Next(0, 3000), ts, seed: rng.Next());
                }
                var set = TestBatches.Concat(batches);
                var before = log.LogEndOffset;
                var result = log.Append(set, leaderEpoch: 0);
                Assert.True(result.Succeeded, result.Error.ToString());
                Assert.Equal(before, result.BaseOffset);
                Assert.Equal(batches.Length, result.BatchIndex);
                model.AddSet(set);
                Assert.Equal(model.EndOffset - 1, result.LastOffset);
                Assert.Equal(model.EndOffset, log.LogEndOffset);
                Assert.Equal(log.LogEndOffset, log.HighWatermark);
            }
            Assert.True(log.SegmentCount > 3, "small segments should have rolled");
            model.VerifyEverything(log, rng);

            log.Dispose();
            log = Open(clean: true);
            Assert.True(log.Recovery.CleanShutdown);
            model.VerifyEverything(log, rng);

            log.Dispose();
            log = Open(clean: false);
            Assert.False(log.Recovery.CleanShutdown);
            Assert.Equal(0, log.Recovery.BytesTruncated);
            model.VerifyEverything(log, rng);

            // Appends continue where the log ended.
            var more = TestBatches.Build(3, 100, ts + 1);
            var r = log.Append(more, 0);
            Assert.Equal(model.EndOffset, r.BaseOffset);
            model.AddSet(more);
            model.VerifyEverything(log, rng);
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void Stamps_offsets_and_leader_epoch_and_keeps_crc_valid()
    {
        using var log = Open();
        var set = TestBatches.Concat(TestBatches.Build(2, 10, 1000), TestBatches.Build(3, 10, 1001));
        var r = log.Append(set, leaderEpoch: 7);
        Assert.Equal((0L, 4L), (r.BaseOffset, r.LastOffset));
        using var read = log.Read(0, 1 << 20);
        var batches = TestBatches.Split(read.ToArray());
        Assert.Equal(2, batches.Count);
        Assert.Equal(0, batches[0].Header.BaseOffset);
        Assert.Equal(2, batches[1].Header.BaseOffset);
        Assert.All(batches, b => Assert.Equal(7, b.Header.PartitionLeaderEpoch));
        Assert.Equal(7, log.LatestEpoch);
    }

    public static TheoryData<string, string> CorruptionCases => new()
    {
        { "crc", nameof(AppendError.CorruptCrc) },
        { "short-length", nameof(AppendError.InvalidLength) },
        { "length-past-end", nameof(AppendError.InvalidLength) },
        { "trailing-bytes", nameof(AppendError.InvalidLength) },
        { "record-count", nameof(AppendError.InvalidRecordCount) },
        { "magic", nameof(AppendError.UnsupportedMagic) },
        { "too-large", nameof(AppendError.BatchTooLarge) },
    };

    [Theory]
    [MemberData(nameof(CorruptionCases))]
    public void Rejects_a_bad_second_batch_with_a_distinct_error_and_appends_nothing(string corruption, string expectedName)
    {
        var expected = Enum.Parse<AppendError>(expectedName);
        using var log = Open(SmallSegments with { MaxBatchBytes = 4096 });
        Assert.True(log.Append(TestBatches.Build(1, 10, 1), 0).Succeeded);
        var good = TestBatches.Build(2, 100, 2);
        var bad = corruption == "too-large" ? TestBatches.Build(1, 5000, 3) : TestBatches.Build(2, 100, 3);
        switch (corruption)
        {
            case "crc":
                bad[^1] ^= 0x40;
                break;
            case "short-length":
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan(8), 20);
                break;
            case "length-past-end":
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan(8), bad.Length);
                break;
            case "record-count":
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan(RecordBatchHeader.RecordCountPosition), 5);
                RecordBatchHeader.WriteCrc(bad);
                break;
            case "magic":
                bad[RecordBatchHeader.MagicPosition] = 1;
                break;
        }
        var set = corruption == "trailing-bytes" ? TestBatches.Concat(good, bad[..30]) : TestBatches.Concat(good, bad);
        var sizeBefore = log.SizeInBytes;
        var result = log.Append(set, 0);
        Assert.False(result.Succeeded);
        Assert.Equal(expected, result.Error);
        Assert.Equal(1, result.BatchIndex);
        Assert.Equal(1, log.LogEndOffset);
        Assert.Equal(sizeBefore, log.SizeInBytes);
        using var read = log.Read(0, 1 << 20);
        Assert.Single(TestBatches.Split(read.ToArray()));
    }

    [Fact]
    public void Empty_record_set_is_rejected()
    {
        using var log = Open();
        Assert.Equal(AppendError.InvalidLength, log.Append(Span<byte>.Empty, 0).Error);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public void Older_leader_epoch_is_fenced()
    {
        using var log = Open();
        Assert.True(log.Append(TestBatches.Build(1, 10, 1), 5).Succeeded);
        Assert.Equal(AppendError.StaleLeaderEpoch, log.Append(TestBatches.Build(1, 10, 1), 4).Error);
        Assert.Equal(1, log.LogEndOffset);
    }

    [Fact]
    public void Read_respects_byte_limit_high_watermark_and_reports_out_of_range()
    {
        using var log = Open(LogConfig.Default);
        var model = new LogModel();
        for (var i = 0; i < 10; i++)
        {
            var b = TestBatches.Build(1, 1000 - RecordBatchHeader.Size, i);
            log.Append(b, 0);
            model.AddSet(b);
        }
        using (var r = log.Read(0, 3500))
        {
            Assert.Equal(3000, r.Length); // three whole 1000-byte batches
        }
        using (var r = log.Read(4, 10))
        {
            Assert.Equal(1000, r.Length); // one whole batch even above the limit
            Assert.Equal(4, r.FirstOffset);
        }
        using (var r = log.Read(4, 10, minOneBatch: false))
        {
            Assert.Equal(0, r.Length);
        }
        using (var r = log.Read(2, 1 << 20, maxOffset: 5))
        {
            Assert.Equal(3000, r.Length); // offsets 2, 3, 4
        }
        using (var r = log.Read(10, 1000))
        {
            Assert.False(r.OffsetOutOfRange);
            Assert.Equal(0, r.Length);
            Assert.Equal(10, r.LogEndOffset);
        }
        using (var r = log.Read(11, 1000))
        {
            Assert.True(r.OffsetOutOfRange);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(0, -1));
    }

    [Fact]
    public void A_read_inside_a_batch_returns_the_whole_batch()
    {
        using var log = Open();
        var set = TestBatches.Build(10, 50, 1);
        log.Append(set, 0);
        using var r = log.Read(7, 1 << 20);
        Assert.Equal(0, r.FirstOffset);
        Assert.Equal(set, r.ToArray());
    }

    [Fact]
    public void Batch_header_iterator_walks_from_an_offset_to_the_end()
    {
        using var log = Open(SmallSegments);
        var model = new LogModel();
        for (var i = 0; i < 200; i++)
        {
            var b = TestBatches.Build(2, 500, i, producerId: 42, baseSequence: i * 2);
            log.Append(b, 0);
            model.AddSet(b);
        }
        var headers = log.ReadBatchHeaders(151).ToList();
        Assert.Equal(150, headers[0].BaseOffset); // the batch containing 151
        Assert.Equal(Enumerable.Range(75, 125).Select(i => i * 2L), headers.Select(h => h.BaseOffset));
        Assert.All(headers, h => Assert.Equal(42, h.ProducerId));
        Assert.Equal(200 * 2L, headers[^1].LastOffset + 1);
        Assert.Equal(3, log.ReadBatchHeaders(0, toOffset: 6).Count());
    }

    [Fact]
    public void Follower_append_keeps_offsets_and_epochs_and_rejects_gaps()
    {
        using var leader = PartitionLog.Open(_dir.Sub("leader-0"), "leader", 0, SmallSegments, false);
        using var follower = Open();
        leader.Append(TestBatches.Build(3, 100, 1), 1);
        leader.Append(TestBatches.Build(2, 100, 2), 4);
        using var read = leader.Read(0, 1 << 20);
        var bytes = read.ToArray();

        var r = follower.AppendAsFollower(bytes);
        Assert.True(r.Succeeded, r.Error.ToString());
        Assert.Equal((0L, 4L), (r.BaseOffset, r.LastOffset));
        using (var copy = follower.Read(0, 1 << 20))
        {
            Assert.Equal(bytes, copy.ToArray());
        }
        Assert.Equal(new[] { (1, 0L), (4, 3L) }, follower.EpochEntries);

        // Replaying the same batches is out of order (offsets already present), as is a gap.
        Assert.Equal(AppendError.OffsetOutOfOrder, follower.AppendAsFollower(bytes.ToArray()).Error);
        var gap = TestBatches.Build(1, 10, 3);
        RecordBatchHeader.StampBaseOffset(gap, 9);
        RecordBatchHeader.StampPartitionLeaderEpoch(gap, 4);
        Assert.Equal(AppendError.OffsetOutOfOrder, follower.AppendAsFollower(gap).Error);
        var stale = TestBatches.Build(1, 10, 3);
        RecordBatchHeader.StampBaseOffset(stale, 5);
        RecordBatchHeader.StampPartitionLeaderEpoch(stale, 2);
        Assert.Equal(AppendError.StaleLeaderEpoch, follower.AppendAsFollower(stale).Error);
        Assert.Equal(5, follower.LogEndOffset);
    }
}
