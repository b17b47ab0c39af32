using System.Diagnostics;
using System.Globalization;
using LogBus.Benchmarks.Broker;
using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Limits;

/// <summary>
/// This machine's physical ceilings, measured in the same run as the workloads so every LogBus figure can
/// be shown as a fraction of them: sequential disk write bandwidth (1 MiB writes, one fsync at the end),
/// the rate of small appends each followed by an fsync (what a commit costs), and loopback TCP bandwidth
/// of one connection. The disk tests write in the temporary directory, where the brokers keep their data.
/// </summary>
internal sealed class LimitsBenchmark : IBenchmark
{
    public string Name => "limits";

    public string Description => "machine limits: sequential disk write, fsync rate, loopback TCP [--quick] [--dir PATH] [--json FILE]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var quick = options.Quick;
        var directory = Path.Combine(options.String("--dir", Path.GetTempPath()), "logbus-limits-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        try
        {
            // Best of a few attempts each: the machine is shared, and a limit is the best it can do.
            var disk = Enumerable.Range(0, quick ? 2 : 3).Max(_ => MachineLimits.DiskWriteBytesPerSecond(directory, quick ? 256L << 20 : 1L << 30));
            var fsync = Enumerable.Range(0, quick ? 2 : 3).Max(_ => FsyncRate(directory, TimeSpan.FromSeconds(quick ? 1 : 2)));
            var loopback = 0.0;
            for (var i = 0; i < (quick ? 2 : 3); i++)
            {
                loopback = Math.Max(loopback, await MachineLimits.LoopbackBytesPerSecondAsync(TimeSpan.FromSeconds(quick ? 1 : 2)));
            }
            Console.WriteLine($"limits: disk sequential write+fsync {disk / 1e6:N0} MB/s, fsync {fsync:N0}/s ({1000 / fsync:F2} ms each), loopback TCP {loopback / 1e9:F2} GB/s");
            if (options.String("--json", "") is { Length: > 0 } json)
            {
                ResultsFile.Write(json, new BenchmarkResults
                {
                    Workload = "limits",
                    Title = "Machine limits",
                    Mode = quick ? "quick" : "full",
                    Systems = { ["machine"] = "this machine, measured in this run (best of several attempts)" },
                    Rows =
                    {
                        Row("disk-write", "sequential disk write (1 MiB writes, then fsync)", "B/s", disk),
                        Row("fsync", "4 KiB append + fsync, one after the other", "fsync/s", fsync),
                        Row("loopback", "loopback TCP, one connection, 64 KiB sends", "B/s", loopback),
                    },
                    Notes = { "Measured in the temporary directory (the same file system as the brokers' data) and on 127.0.0.1." },
                });
            }
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ResultRow Row(string id, string title, string unit, double value) => new()
    {
        Id = id,
        Case = title,
        Unit = unit,
        Results = { new SystemResult { System = "machine", Value = value } },
    };

    /// <summary>Appends 4 KiB and fsyncs, repeatedly, for <paramref name="duration"/>; returns fsyncs per second.</summary>
    private static double FsyncRate(string directory, TimeSpan duration)
    {
        var path = Path.Combine(directory, "fsync-test.bin");
        var block = new byte[4096];
        Random.Shared.NextBytes(block);
        long count = 0;
        var watch = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            while (watch.Elapsed < duration)
            {
                RandomAccess.Write(handle, block, count * block.Length);
                RandomAccess.FlushToDisk(handle);
                count++;
            }
        }
        var rate = count / watch.Elapsed.TotalSeconds;
        File.Delete(path);
        return rate;
    }
}
