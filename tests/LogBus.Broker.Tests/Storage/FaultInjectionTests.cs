using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

public sealed class FaultInjectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_torn_write_appends_nothing_and_the_log_continues_without_garbage()
    {
        var faults = new StorageFaults();
        var writes = 0;
        faults.BeforeLogWrite = (_, _, length) => Interlocked.Increment(ref writes) == 5 ? length / 2 : length;
        var path = _dir.Sub("torn-0");
        var model = new LogModel();
        var log = PartitionLog.Open(path, "torn", 0, LogConfig.Default, false, faults: faults);
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var b = TestBatches.Build(2, 300, i);
                log.Append(b, 0);
                model.AddSet(b);
            }
            var size = log.SizeInBytes;
            var e = Assert.Throws<StorageException>(() => log.Append(TestBatches.Build(2, 300, 9), 0));
            Assert.EndsWith(".log", e.Path);
            Assert.Equal(8, log.LogEndOffset);
            Assert.Equal(size, log.SizeInBytes);
            Assert.Equal(size, new FileInfo(log.Segments[0].LogPath).Length); // the torn bytes were cut off
            Assert.Null(log.Failure);

            var next = TestBatches.Build(1, 50, 10);
            Assert.Equal(8, log.Append(next, 0).BaseOffset);
            model.AddSet(next);
            model.VerifyEverything(log, new Random(1));

            log.Abandon();
            log = PartitionLog.Open(path, "torn", 0, LogConfig.Default, false);
            Assert.Equal(0, log.Recovery.BytesTruncated);
            model.VerifyEverything(log, new Random(2));
        }
        finally
        {
            log.Dispose();
        }
    }

    [Fact]
    public async Task A_failed_fsync_fails_the_waiting_appenders_and_takes_the_log_offline()
    {
        var faults = new StorageFaults { BeforeLogFlush = _ => throw new IOException("injected EIO") };
        var path = _dir.Sub("eio-0");
        var log = PartitionLog.Open(path, "eio", 0, LogConfig.Default with { FlushOnEveryAppend = true }, false, faults: faults);
        try
        {
            var e = await Assert.ThrowsAsync<StorageException>(() => log.AppendAsync(TestBatches.Build(1, 10, 1), 0).AsTask());
            Assert.Contains("injected EIO", e.ToString());
            Assert.NotNull(log.Failure);
            Assert.Throws<StorageException>(() => log.Append(TestBatches.Build(1, 10, 2), 0));
            log.Dispose(); // does not throw, writes no checkpoint claiming durability

            // The bytes that reached the page cache are still recovered by a scan.
            log = PartitionLog.Open(path, "eio", 0, LogConfig.Default, false);
            Assert.False(log.Recovery.CleanShutdown);
            Assert.Equal(1, log.LogEndOffset);
        }
        finally
        {
            log.Dispose();
        }
    }
}
