using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

public sealed class PartitionLogTruncationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly LogConfig Config = LogConfig.Default with { SegmentBytes = 4 * 1024, IndexIntervalBytes = 256 };

    private PartitionLog Open(bool clean = false) => PartitionLog.Open(_dir.Sub("tr-0"), "tr", 0, Config, clean);

    /// <summary>Epoch 0: offsets 0-9, epoch 2: 10-19, epoch 5: 20-29; batches of 5 records.</summary>
    private static LogModel FillEpochs(PartitionLog log)
    {
        var model = new LogModel();
        foreach (var (epoch, i) in new[] { (0, 0), (0, 1), (2, 2), (2, 3), (5, 4), (5, 5) })
        {
            var b = TestBatches.Build(5, 700, 100 + i);
            Assert.True(log.Append(b, epoch).Succeeded);
            model.AddSet(b);
        }
        return model;
    }

    [Fact]
    public void End_offset_for_epoch_follows_kafka_rules()
    {
        using var log = Open();
        FillEpochs(log);
        Assert.Equal(new EpochEndOffset(0, 10), log.EndOffsetForEpoch(0));
        Assert.Equal(new EpochEndOffset(0, 10), log.EndOffsetForEpoch(1));
        Assert.Equal(new EpochEndOffset(2, 20), log.EndOffsetForEpoch(2));
        Assert.Equal(new EpochEndOffset(2, 20), log.EndOffsetForEpoch(4));
        Assert.Equal(new EpochEndOffset(5, 30), log.EndOffsetForEpoch(5));
        Assert.Equal(EpochEndOffset.Undefined, log.EndOffsetForEpoch(6));
        Assert.Equal(EpochEndOffset.Undefined, log.EndOffsetForEpoch(-1));
    }

    [Fact]
    public void Truncate_to_removes_later_batches_segments_and_epochs_durably()
    {
        var log = Open();
        try
        {
            var model = FillEpochs(log);
            Assert.True(log.SegmentCount >= 2);
            var files = Directory.GetFiles(_dir.Sub("tr-0"), "*.log").Length;

            Assert.Equal(15, log.TruncateTo(17)); // inside the batch 15-19: it goes too
            Assert.Equal(15, log.LogEndOffset);
            Assert.Equal(15, log.HighWatermark);
            Assert.True(log.RecoveryPoint <= 15);
            Assert.Equal(new[] { (0, 0L), (2, 10L) }, log.EpochEntries);
            Assert.Equal(new EpochEndOffset(2, 15), log.EndOffsetForEpoch(2));
            Assert.True(Directory.GetFiles(_dir.Sub("tr-0"), "*.log").Length < files);
            model.TruncateFromBatch(3);
            model.VerifyEverything(log, new Random(1));

            var b = TestBatches.Build(2, 100, 500);
            Assert.Equal(15, log.Append(b, 6).BaseOffset);
            model.AddSet(b);
            Assert.Equal(new[] { (0, 0L), (2, 10L), (6, 15L) }, log.EpochEntries);

            log.Abandon();
            log = Open(clean: false);
            Assert.Equal(17, log.LogEndOffset);
            Assert.Equal(new[] { (0, 0L), (2, 10L), (6, 15L) }, log.EpochEntries);
            model.VerifyEverything(log, new Random(2));
            Assert.Equal(17, log.TruncateTo(40)); // nothing above the end
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void Truncate_fully_restarts_the_log_at_an_offset()
    {
        var log = Open();
        try
        {
            FillEpochs(log);
            log.TruncateFullyAndStartAt(1000);
            Assert.Equal((1000L, 1000L, 1000L), (log.LogStartOffset, log.LogEndOffset, log.HighWatermark));
            Assert.Empty(log.EpochEntries);
            Assert.Single(Directory.GetFiles(_dir.Sub("tr-0"), "*.log"));
            Assert.Equal(1000, log.Append(TestBatches.Build(1, 10, 1), 7).BaseOffset);
            log.Dispose();
            log = Open(clean: false);
            Assert.Equal((1000L, 1001L), (log.LogStartOffset, log.LogEndOffset));
            using var r = log.Read(999, 100);
            Assert.True(r.OffsetOutOfRange);
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public void Truncating_to_zero_keeps_an_empty_usable_log()
    {
        using var log = Open();
        FillEpochs(log);
        Assert.Equal(0, log.TruncateTo(0));
        Assert.Equal(0, log.LogEndOffset);
        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(0, log.Append(TestBatches.Build(1, 10, 1), 9).BaseOffset);
    }
}
