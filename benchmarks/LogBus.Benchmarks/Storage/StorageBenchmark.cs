using System.Diagnostics;
using System.Globalization;
using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Storage;

/// <summary>
/// Storage engine throughput beside this machine's own raw numbers, measured in the same run: raw
/// sequential write+fsync bandwidth vs. log append bandwidth (16 KiB and 1 MiB batches, final fsync
/// included; each log run against the raw runs beside it, median over rounds), fsync-per-append rates
/// for one writer vs. four concurrent writers (group commit; alternated pairs, median ratio), and
/// sequential reads of the log from the page cache.
/// </summary>
internal sealed class StorageBenchmark : IBenchmark
{
    public string Name => "storage";

    public string Description => "log append/read/fsync throughput vs raw disk bandwidth [--quick] [--dir PATH] [--mib N] [--rounds N]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var quick = options.Quick;
        var root = options.String("--dir", Path.GetTempPath());
        var work = Path.Combine(root, "logbus-storage-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        var totalBytes = options.Long("--mib", quick ? 256 : 1024) << 20;
        var rounds = options.Int("--rounds", quick ? 5 : 7);
        var fsyncSeconds = quick ? 1.0 : 2.0;
        Console.WriteLine($"storage benchmark: {(quick ? "quick" : "full")}, {totalBytes >> 20} MiB per bandwidth run, {rounds} rounds, {fsyncSeconds:0.0} s per fsync run, dir {work}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average {LoadAverage()}");
        Console.WriteLine();
        try
        {
            // Fair comparison: the raw writer and the log both start from a created, fsynced file (with
            // one chunk in it), then time the same number of bytes followed by one fsync.
            // The disk and CPU of a shared VM drift a lot within seconds, so every log run is compared
            // with the raw runs made just before and just after it, and the median of those ratios
            // over all rounds is the result.
            WarmUpAppends(work, 16 << 10);
            WarmUpAppends(work, 1 << 20);
            var raws = new List<double>();
            var raw16Ks = new List<double>();
            var ratios16KTo16K = new List<double>();
            var rawRatios16K = new List<double>();
            var ratios16K = new List<double>();
            var ratios1M = new List<double>();
            var best16K = 0.0;
            var best1M = 0.0;
            var before = RawSequentialWrite(work, totalBytes, 1 << 20);
            raws.Add(before);
            var read = 0.0;
            for (var round = 0; round < rounds; round++)
            {
                var a16 = AppendBandwidth(work, $"a16k{round}", totalBytes, 16 << 10);
                if (round == 0)
                {
                    read = ReadBandwidth(work, "a16k0");
                }
                // Delete each run's files at once, like the raw runs do: files kept around fill the
                // page cache, which then makes later writers pay for reclaim.
                Directory.Delete(Path.Combine(work, $"a16k{round}-0"), recursive: true);
                var raw16 = RawSequentialWrite(work, totalBytes, 16 << 10);
                raw16Ks.Add(raw16);
                ratios16KTo16K.Add(a16 / raw16);
                var middle = RawSequentialWrite(work, totalBytes, 1 << 20);
                raws.Add(middle);
                var a1m = AppendBandwidth(work, $"a1m{round}", totalBytes, 1 << 20);
                Directory.Delete(Path.Combine(work, $"a1m{round}-0"), recursive: true);
                var after = RawSequentialWrite(work, totalBytes, 1 << 20);
                raws.Add(after);
                var r16 = a16 / ((before + middle) / 2);
                rawRatios16K.Add(raw16 / ((before + middle) / 2));
                var r1m = a1m / ((middle + after) / 2);
                ratios16K.Add(r16);
                ratios1M.Add(r1m);
                Console.WriteLine($"  round {round + 1}: raw {Gb(before).Trim()}, append 16 KiB {Gb(a16).Trim()}, raw 16 KiB writes {Gb(raw16).Trim()}, raw {Gb(middle).Trim()}, append 1 MiB {Gb(a1m).Trim()}, raw {Gb(after).Trim()}: 16 KiB {r16:P0}, 1 MiB {r1m:P0} of the raw runs beside them (load {LoadAverage()})");
                best16K = Math.Max(best16K, a16);
                best1M = Math.Max(best1M, a1m);
                before = after;
            }
            var raw = Median(raws);
            var raw16K = Median(raw16Ks);
            var ratio16K = Median(ratios16K);
            var ratio1M = Median(ratios1M);
            Console.WriteLine();

            // Group commit: one appender and four appenders through the same path (AppendAsync with
            // flush on every append), alternated so both see the same disk; median of the pair ratios.
            var rawFsync = RawFsyncRate(work, fsyncSeconds);
            var pairs = quick ? 3 : 5;
            var groupRatios = new List<double>();
            var singles = new List<double>();
            var groups = new List<double>();
            var appendsPerFsync = new List<double>();
            for (var pair = 0; pair < pairs; pair++)
            {
                var single = await FsyncAppendRate(work, $"f1-{pair}", 1, fsyncSeconds, TimeSpan.Zero);
                var group = await FsyncAppendRate(work, $"f4-{pair}", 4, fsyncSeconds, TimeSpan.Zero);
                singles.Add(single.Rate);
                groups.Add(group.Rate);
                groupRatios.Add(group.Rate / single.Rate);
                appendsPerFsync.Add(group.Appends / (double)Math.Max(1, group.Fsyncs));
                Console.WriteLine($"  fsync pair {pair + 1}: 1 appender {single.Rate:N0}/s, 4 appenders {group.Rate:N0}/s ({appendsPerFsync[^1]:0.0} appends/fsync): {group.Rate / single.Rate:0.00}x (load {LoadAverage()})");
            }
            var eight = await FsyncAppendRate(work, "f8", 8, fsyncSeconds, TimeSpan.Zero);
            // A fast disk's fsync (0.2 ms) on memory: the hard case for group commit, where handing a
            // round's result to the appenders costs about as much as the fsync itself.
            var fastRatios = new List<double>();
            var memory = "/dev/shm";
            if (OperatingSystem.IsLinux() && Directory.Exists(memory))
            {
                var fastDir = Path.Combine(memory, Path.GetFileName(work));
                Directory.CreateDirectory(fastDir);
                try
                {
                    for (var pair = 0; pair < pairs; pair++)
                    {
                        var single = await FsyncAppendRate(fastDir, $"m1-{pair}", 1, fsyncSeconds, TimeSpan.FromMicroseconds(200));
                        var group = await FsyncAppendRate(fastDir, $"m4-{pair}", 4, fsyncSeconds, TimeSpan.FromMicroseconds(200));
                        fastRatios.Add(group.Rate / single.Rate);
                        Console.WriteLine($"  0.2 ms fsync pair {pair + 1}: 1 appender {single.Rate:N0}/s, 4 appenders {group.Rate:N0}/s ({group.Appends / (double)Math.Max(1, group.Fsyncs):0.0} appends/fsync): {fastRatios[^1]:0.00}x (load {LoadAverage()})");
                    }
                }
                finally
                {
                    Directory.Delete(fastDir, recursive: true);
                }
            }
            var slowFsync = TimeSpan.FromMilliseconds(2);
            var slowSingle = await FsyncAppendRate(work, "s1", 1, fsyncSeconds, slowFsync);
            var slowGroup = await FsyncAppendRate(work, "s4", 4, fsyncSeconds, slowFsync);
            var groupRatio = Median(groupRatios);
            Console.WriteLine();

            Console.WriteLine($"raw sequential write+fsync, 1 MiB writes:  {Gb(raw)}   median of {raws.Count} <- the machine's bandwidth (reference)");
            Console.WriteLine($"raw sequential write+fsync, 16 KiB writes: {Gb(raw16K)}   median; {Median(rawRatios16K):P0} of 1 MiB writes (context: what 16 KiB writes alone reach here)");
            Console.WriteLine($"raw write(1 KiB)+fsync loop, one writer:   {rawFsync,10:N0} fsyncs/s");
            Console.WriteLine($"log append 16 KiB batches (+final fsync):  {Gb(best16K)}   best; {ratio16K:P0} of raw (median; rounds {Range(ratios16K, percent: true)}); {Median(ratios16KTo16K):P0} of raw 16 KiB writes");
            Console.WriteLine($"log append 1 MiB batches (+final fsync):   {Gb(best1M)}   best; {ratio1M:P0} of raw (median; rounds {Range(ratios1M, percent: true)})");
            Console.WriteLine($"log read from page cache (1 MiB reads):    {Gb(read)}");
            Console.WriteLine($"fsync on every append, 1 appender:         {Median(singles),10:N0} appends/s (median)");
            Console.WriteLine($"fsync on every append, 4 appenders:        {Median(groups),10:N0} appends/s (median; {Median(appendsPerFsync):0.0} appends/fsync): {groupRatio:0.00}x (median; pairs {Range(groupRatios, percent: false)})");
            Console.WriteLine($"fsync on every append, 8 appenders:        {eight.Rate,10:N0} appends/s ({eight.Appends / (double)Math.Max(1, eight.Fsyncs):0.0} appends/fsync)");
            if (fastRatios.Count > 0)
            {
                Console.WriteLine($"  same on memory with a simulated 0.2 ms fsync (fast disk): 4 appenders {Median(fastRatios):0.00}x of 1 (median; pairs {Range(fastRatios, percent: false)})");
            }
            Console.WriteLine($"  same with a simulated 2 ms fsync (injected delay, for a disk slower than this VM's):");
            Console.WriteLine($"  1 appender {slowSingle.Rate:N0}/s, 4 appenders {slowGroup.Rate:N0}/s ({slowGroup.Appends / (double)Math.Max(1, slowGroup.Fsyncs):0.0} appends/fsync): {slowGroup.Rate / slowSingle.Rate:0.00}x");
            Console.WriteLine($"load average at the end: {LoadAverage()}");
            Console.WriteLine();
            Console.WriteLine($"{"target",-48} {"measured",-22} {"goal",-22} met");
            Row("append 16 KiB batches >= 80% of raw bandwidth", $"{ratio16K:P0} of raw", ">= 80%", ratio16K >= 0.8);
            Row("append 1 MiB batches >= 80% of raw bandwidth", $"{ratio1M:P0} of raw", ">= 80%", ratio1M >= 0.8);
            Row("group-committed fsync appends >= 3x single", $"{groupRatio:0.00}x", ">= 3.00x", groupRatio >= 3);
            Row("reads from page cache >= 2 GB/s", Gb(read).Trim(), ">= 2.00 GB/s", read >= 2e9);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return 0;
    }

    private static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{fields[0]} {fields[1]} {fields[2]}";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string Range(List<double> values, bool percent) =>
        percent ? $"{values.Min():P0} to {values.Max():P0}" : $"{values.Min():0.00}x to {values.Max():0.00}x";

    private static void Row(string name, string measured, string goal, bool met) =>
        Console.WriteLine($"{name,-48} {measured,-22} {goal,-22} {(met ? "yes" : "NO")}");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Gb(double bytesPerSecond) => $"{bytesPerSecond / 1e9,6:0.00} GB/s";

    /// <summary>
    /// The machine's sequential write bandwidth: a created and fsynced file holding one chunk, then
    /// <paramref name="totalBytes"/> of positional writes of one size and one fsync (timed).
    /// </summary>
    private static double RawSequentialWrite(string dir, long totalBytes, int writeSize)
    {
        var path = Path.Combine(dir, "raw.bin");
        var chunk = new byte[writeSize];
        Random.Shared.NextBytes(chunk);
        double seconds;
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            RandomAccess.Write(handle, chunk, 0);
            RandomAccess.FlushToDisk(handle);
            var sw = Stopwatch.StartNew();
            for (long p = chunk.Length; p < totalBytes + chunk.Length; p += chunk.Length)
            {
                RandomAccess.Write(handle, chunk, p);
            }
            RandomAccess.FlushToDisk(handle);
            seconds = sw.Elapsed.TotalSeconds;
        }
        File.Delete(path);
        return totalBytes / seconds;
    }

    private static double RawFsyncRate(string dir, double seconds)
    {
        var path = Path.Combine(dir, "rawfsync.bin");
        var data = new byte[1024];
        long count = 0, position = 0;
        var sw = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                RandomAccess.Write(handle, data, position);
                RandomAccess.FlushToDisk(handle);
                position += data.Length;
                count++;
            }
        }
        sw.Stop();
        File.Delete(path);
        return count / sw.Elapsed.TotalSeconds;
    }

    private static byte[] Batch(int totalSize, int records)
    {
        var bytes = new byte[totalSize];
        Random.Shared.NextBytes(bytes);
        new RecordBatchHeader
        {
            BatchLength = totalSize - RecordBatchHeader.LogOverhead,
            PartitionLeaderEpoch = -1,
            Magic = RecordBatchHeader.CurrentMagic,
            LastOffsetDelta = records - 1,
            BaseTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            MaxTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ProducerId = -1,
            ProducerEpoch = -1,
            BaseSequence = -1,
            RecordCount = records,
        }.Write(bytes);
        RecordBatchHeader.WriteCrc(bytes);
        return bytes;
    }

    private static LogConfig BandwidthConfig(int batchSize) =>
        LogConfig.Default with { MaxBatchBytes = Math.Max(LogConfig.Default.MaxBatchBytes, batchSize) };

    /// <summary>Runs appends for a while on a scratch log so tiered JIT reaches optimized code for validation and append.</summary>
    private static void WarmUpAppends(string dir, int batchSize)
    {
        var path = Path.Combine(dir, "warmup-0");
        var batch = Batch(batchSize, 16);
        using (var warm = PartitionLog.Open(path, "warmup", 0, BandwidthConfig(batchSize), cleanShutdown: false))
        {
            var until = Stopwatch.StartNew();
            for (var i = 0; until.ElapsedMilliseconds < 1000 || i < 256; i++)
            {
                warm.Append(batch, 0);
                if (warm.SizeInBytes > (64 << 20))
                {
                    warm.TruncateTo(0);
                }
            }
        }
        Directory.Delete(path, recursive: true);
    }

    /// <summary>
    /// Log append bandwidth, measured like <see cref="RawSequentialWrite"/>: a log whose segment holds
    /// one batch and is fsynced, then <paramref name="totalBytes"/> of appends and one flush (timed).
    /// </summary>
    private static double AppendBandwidth(string dir, string name, long totalBytes, int batchSize)
    {
        var path = Path.Combine(dir, name + "-0");
        var batch = Batch(batchSize, 16);
        var count = totalBytes / batchSize;
        using var log = PartitionLog.Open(path, name, 0, BandwidthConfig(batchSize), cleanShutdown: false);
        log.Append(batch, 0);
        log.FlushAsync().AsTask().GetAwaiter().GetResult();
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < count; i++)
        {
            var result = log.Append(batch, 0);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(result.Error.ToString());
            }
        }
        log.FlushAsync().AsTask().GetAwaiter().GetResult();
        sw.Stop();
        return count * (double)batchSize / sw.Elapsed.TotalSeconds;
    }

    private static double ReadBandwidth(string dir, string name)
    {
        // Reopen the log written by a 16 KiB run (clean: it was closed) and read it five times; later
        // passes are served from the page cache (best pass reported: the VM is shared).
        using var log = PartitionLog.Open(Path.Combine(dir, name + "-0"), name, 0, LogConfig.Default, cleanShutdown: true);
        var buffer = new byte[2 << 20];
        double best = 0;
        for (var pass = 0; pass < 5; pass++)
        {
            long offset = 0, bytes = 0;
            var sw = Stopwatch.StartNew();
            while (offset < log.LogEndOffset)
            {
                using var result = log.Read(offset, 1 << 20);
                var n = result.CopyTo(buffer);
                bytes += n;
                RecordBatchHeader.TryRead(buffer.AsSpan(n - (16 << 10)), out var last);
                offset = last.LastOffset + 1;
            }
            sw.Stop();
            best = Math.Max(best, bytes / sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>Blocks the thread like an fsync would (no spinning), with microsecond resolution where available.</summary>
    private static void Delay(TimeSpan delay)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = NativeMethods.Usleep((uint)delay.TotalMicroseconds);
        }
        else
        {
            Thread.Sleep(delay);
        }
    }

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which the central build disallows
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "usleep")]
        [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
        internal static extern int Usleep(uint microseconds);
#pragma warning restore SYSLIB1054
    }

    private static async Task<(double Rate, long Appends, int Fsyncs)> FsyncAppendRate(string dir, string name, int appenders, double seconds, TimeSpan extraFsyncDelay)
    {
        var faults = new StorageFaults(); // counts fsyncs (and, when asked, makes each one slower)
        if (extraFsyncDelay > TimeSpan.Zero)
        {
            faults.BeforeLogFlush = _ => Delay(extraFsyncDelay);
        }
        var config = LogConfig.Default with { FlushOnEveryAppend = true };
        using var log = PartitionLog.Open(Path.Combine(dir, name + "-0"), name, 0, config, cleanShutdown: false, faults: faults);
        await log.AppendAsync(Batch(1024, 4), 0);
        var fsyncsBefore = faults.LogFlushCount;
        long appends = 0;
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
        {
            var batch = Batch(1024, 4);
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                await log.AppendAsync(batch, 0);
                Interlocked.Increment(ref appends);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        sw.Stop();

        return (appends / sw.Elapsed.TotalSeconds, appends, faults.LogFlushCount - fsyncsBefore);
    }
}
