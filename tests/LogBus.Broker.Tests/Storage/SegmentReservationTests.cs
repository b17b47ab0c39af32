using System.Diagnostics;
using System.Globalization;
using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

/// <summary>
/// Disk blocks reserved ahead of the active segment's end (fallocate with KEEP_SIZE on Linux) never show
/// in the file size, and are released when the segment is sealed or the log closes.
/// </summary>
public sealed class SegmentReservationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Bytes allocated on disk for a file (st_blocks × 512), read with stat(1).</summary>
    private static long AllocatedBytes(string path)
    {
        var info = new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.WaitForExit(10_000));
        return long.Parse(output[0], CultureInfo.InvariantCulture) * long.Parse(output[1], CultureInfo.InvariantCulture);
    }

    private static long RoundUpToBlock(long size) => (size + 4095) / 4096 * 4096;

    [Fact]
    public void File_size_is_the_data_and_the_reservation_is_released_at_roll_and_close()
    {
        Assert.True(OperatingSystem.IsLinux(), "reservation is Linux-only; this test runs where CI runs");
        var path = _dir.Sub("reserve-0");
        var config = LogConfig.Default with { SegmentBytes = 1 << 20 };
        var log = PartitionLog.Open(path, "reserve", 0, config, cleanShutdown: false);
        var batch = TestBatches.Build(4, 9_000, 1_000);
        long appended = 0;
        while (log.SegmentCount < 2)
        {
            Assert.True(log.Append(batch.ToArray(), 0).Succeeded);
            appended += batch.Length;
        }
        var files = Directory.GetFiles(path, "*.log").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, files.Length);
        var sealedSize = new FileInfo(files[0]).Length;
        var activeSize = new FileInfo(files[1]).Length;
        Assert.Equal(appended, sealedSize + activeSize); // reservations never change sizes
        // Sealed: nothing is held beyond its data (filesystems may round to their block size).
        Assert.True(AllocatedBytes(files[0]) <= RoundUpToBlock(sealedSize) + 4096, $"sealed segment holds {AllocatedBytes(files[0])} bytes for {sealedSize}");
        var activeReserved = AllocatedBytes(files[1]) > RoundUpToBlock(activeSize) + 4096;

        log.Dispose();
        Assert.Equal(activeSize, new FileInfo(files[1]).Length);
        Assert.True(AllocatedBytes(files[1]) <= RoundUpToBlock(activeSize) + 4096, $"closed active segment holds {AllocatedBytes(files[1])} bytes for {activeSize} (reserved while open: {activeReserved})");

        // Reopened cleanly, the data is exactly what was appended.
        using var reopened = PartitionLog.Open(path, "reserve", 0, config, cleanShutdown: true);
        Assert.Equal(appended / batch.Length * 4, reopened.LogEndOffset);
    }

    [Fact]
    public void Crash_leaves_the_size_at_the_data_and_appends_continue_after_recovery()
    {
        var path = _dir.Sub("crash-0");
        var log = PartitionLog.Open(path, "crash", 0, LogConfig.Default, cleanShutdown: false);
        var batch = TestBatches.Build(2, 3_000, 1_000);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(log.Append(batch.ToArray(), 0).Succeeded);
        }
        log.Abandon();
        var file = Directory.GetFiles(path, "*.log").Single();
        Assert.Equal(50L * batch.Length, new FileInfo(file).Length);

        using var reopened = PartitionLog.Open(path, "crash", 0, LogConfig.Default, cleanShutdown: false);
        Assert.Equal(100, reopened.LogEndOffset);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(reopened.Append(batch.ToArray(), 0).Succeeded);
        }
        Assert.Equal(100L * batch.Length, Directory.GetFiles(path, "*.log").Sum(f => new FileInfo(f).Length));
        using var read = reopened.Read(100, 1 << 20);
        Assert.Equal(50L * batch.Length, read.Length);
    }
}
