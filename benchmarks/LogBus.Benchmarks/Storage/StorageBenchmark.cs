using System.Diagnostics;
using System.Globalization;
using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Storage;

/// <summary>
/// Storage engine throughput beside this machine's own raw numbers, measured in the same run: raw
/// sequential write+fsync bandwidth vs. log append bandwidth (16 KiB and 1 MiB batches, final fsync
/// included), fsync-per-append rates for one writer vs. four concurrent writers (group commit), and
/// sequential reads of the log from the page cache.
/// </summary>
internal sealed class StorageBenchmark : IBenchmark
{
    public string Name => "storage";

    public string Description => "log append/read/fsync throughput vs raw disk bandwidth [--quick] [--dir PATH]";

    public async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var dirIndex = Array.IndexOf(args, "--dir");
        var root = dirIndex >= 0 && dirIndex + 1 < args.Length ? args[dirIndex + 1] : Path.GetTempPath();
        var work = Path.Combine(root, "logbus-storage-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        var totalBytes = quick ? 256L << 20 : 1L << 30;
        var fsyncSeconds = quick ? 1.5 : 4.0;
        Console.WriteLine($"storage benchmark: {(quick ? "quick" : "full")}, {totalBytes >> 20} MiB per bandwidth run, {fsyncSeconds:0.0} s per fsync run, dir {work}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine();
        try
        {
            // The disk of a shared VM drifts a lot within minutes, so each log run is compared with raw
            // runs made just before and just after it, and the median of those ratios is reported.
            const int rounds = 3;
            var raws = new List<double>();
            var raw16Ks = new List<double>();
            var ratios16K = new List<double>();
            var ratios1M = new List<double>();
            (double BytesPerSecond, double AllocatedPerAppend, int Segments) append16K = default, append1M = default;
            var before = RawSequentialWrite(work, totalBytes, 1 << 20);
            raws.Add(before);
            var read = 0.0;
            for (var round = 0; round < rounds; round++)
            {
                var a16 = await AppendBandwidth(work, $"a16k{round}", totalBytes, 16 << 10);
                if (round == 0)
                {
                    read = ReadBandwidth(work, "a16k0");
                }
                // Delete each run's files at once, like the raw runs do: files kept around fill the
                // page cache (and the container's memory limit), which then makes later writers pay for
                // reclaim and would skew whichever side runs later.
                Directory.Delete(Path.Combine(work, $"a16k{round}-0"), recursive: true);
                raw16Ks.Add(RawSequentialWrite(work, totalBytes, 16 << 10));
                var a1m = await AppendBandwidth(work, $"a1m{round}", totalBytes, 1 << 20);
                Directory.Delete(Path.Combine(work, $"a1m{round}-0"), recursive: true);
                var after = RawSequentialWrite(work, totalBytes, 1 << 20);
                raws.Add(after);
                var reference = (before + after) / 2;
                ratios16K.Add(a16.BytesPerSecond / reference);
                ratios1M.Add(a1m.BytesPerSecond / reference);
                Console.WriteLine($"  round {round + 1}: raw {Gb(before).Trim()} -> {Gb(after).Trim()}, append 16 KiB {Gb(a16.BytesPerSecond).Trim()} ({a16.BytesPerSecond / reference:P0}), append 1 MiB {Gb(a1m.BytesPerSecond).Trim()} ({a1m.BytesPerSecond / reference:P0})");
                append16K = a16.BytesPerSecond > append16K.BytesPerSecond ? a16 : append16K;
                append1M = a1m.BytesPerSecond > append1M.BytesPerSecond ? a1m : append1M;
                before = after;
            }
            var raw = Median(raws);
            var raw16K = Median(raw16Ks);
            var ratio16K = Median(ratios16K);
            var ratio1M = Median(ratios1M);
            Console.WriteLine();
            var rawFsync = RawFsyncRate(work, fsyncSeconds);
            var single = await FsyncAppendRate(work, "f1", 1, fsyncSeconds, TimeSpan.Zero);
            var group = await FsyncAppendRate(work, "f4", 4, fsyncSeconds, TimeSpan.Zero);
            var slowFsync = TimeSpan.FromMilliseconds(2);
            var slowSingle = await FsyncAppendRate(work, "s1", 1, fsyncSeconds, slowFsync);
            var slowGroup = await FsyncAppendRate(work, "s4", 4, fsyncSeconds, slowFsync);

            Console.WriteLine($"raw sequential write+fsync, 1 MiB writes:  {Gb(raw)}   median of {raws.Count} <- the machine's bandwidth (reference)");
            Console.WriteLine($"raw sequential write+fsync, 16 KiB writes: {Gb(raw16K)}   median (what 16 KiB syscalls alone reach here)");
            Console.WriteLine($"raw write(1 KiB)+fsync loop, one writer:   {rawFsync,10:N0} fsyncs/s");
            Console.WriteLine($"log append 16 KiB batches (+final fsync):  {Gb(append16K.BytesPerSecond)}   best; median {ratio16K:P0} of the adjacent raw runs; {append16K.AllocatedPerAppend:0.0} B allocated/append (index entries)");
            Console.WriteLine($"log append 1 MiB batches (+final fsync):   {Gb(append1M.BytesPerSecond)}   best; median {ratio1M:P0} of the adjacent raw runs; {append1M.AllocatedPerAppend:0.0} B allocated/append");
            Console.WriteLine($"log read from page cache (1 MiB reads):    {Gb(read)}");
            Console.WriteLine($"fsync on every append, 1 appender:         {single.Rate,10:N0} appends/s ({single.Fsyncs:N0} fsyncs)");
            Console.WriteLine($"fsync on every append, 4 appenders:        {group.Rate,10:N0} appends/s ({group.Fsyncs:N0} fsyncs, {group.Appends / (double)Math.Max(1, group.Fsyncs):0.0} appends/fsync)");
            Console.WriteLine($"  same with a simulated 2 ms fsync (injected delay, for a disk slower than this VM's):");
            Console.WriteLine($"  1 appender {slowSingle.Rate:N0}/s, 4 appenders {slowGroup.Rate:N0}/s ({slowGroup.Appends / (double)Math.Max(1, slowGroup.Fsyncs):0.0} appends/fsync): {slowGroup.Rate / slowSingle.Rate:0.00}x");
            Console.WriteLine();
            Console.WriteLine($"{"target",-48} {"measured",-22} {"goal",-22} met");
            Row("append 16 KiB batches >= 80% of raw bandwidth", $"{ratio16K:P0} of raw", ">= 80%", ratio16K >= 0.8);
            Row("append 1 MiB batches >= 80% of raw bandwidth", $"{ratio1M:P0} of raw", ">= 80%", ratio1M >= 0.8);
            Row("group-committed fsync appends >= 3x single", $"{group.Rate / single.Rate:0.00}x", ">= 3.00x", group.Rate >= 3 * single.Rate);
            Row("reads from page cache >= 2 GB/s", Gb(read).Trim(), ">= 2.00 GB/s", read >= 2e9);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return 0;
    }

    private static void Row(string name, string measured, string goal, bool met) =>
        Console.WriteLine($"{name,-48} {measured,-22} {goal,-22} {(met ? "yes" : "NO")}");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Gb(double bytesPerSecond) => $"{bytesPerSecond / 1e9,6:0.00} GB/s";

    /// <summary>The machine's sequential write bandwidth: positional writes of one size, then one fsync.</summary>
    private static double RawSequentialWrite(string dir, long totalBytes, int writeSize)
    {
        var path = Path.Combine(dir, "raw.bin");
        var chunk = new byte[writeSize];
        Random.Shared.NextBytes(chunk);
        var sw = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            for (long p = 0; p < totalBytes; p += chunk.Length)
            {
                RandomAccess.Write(handle, chunk, p);
            }
            RandomAccess.FlushToDisk(handle);
        }
        sw.Stop();
        File.Delete(path);
        return totalBytes / sw.Elapsed.TotalSeconds;
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

    private static async Task<(double BytesPerSecond, double AllocatedPerAppend, int Segments)> AppendBandwidth(string dir, string name, long totalBytes, int batchSize)
    {
        var config = LogConfig.Default with { MaxBatchBytes = Math.Max(LogConfig.Default.MaxBatchBytes, batchSize) };
        var path = Path.Combine(dir, name + "-0");
        var batch = Batch(batchSize, 16);
        var count = totalBytes / batchSize;
        // Warm up (tiered JIT reaches optimized code for validation and append) on a scratch log.
        using (var warm = PartitionLog.Open(path + "-warmup", name, 0, config, cleanShutdown: false))
        {
            var until = Stopwatch.StartNew();
            for (var i = 0; until.ElapsedMilliseconds < 500 || i < 256; i++)
            {
                warm.Append(batch, 0);
                if (warm.SizeInBytes > (64 << 20))
                {
                    warm.TruncateTo(0);
                }
            }
        }
        Directory.Delete(path + "-warmup", recursive: true);
        using var log = PartitionLog.Open(path, name, 0, config, cleanShutdown: false);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < count; i++)
        {
            var result = log.Append(batch, 0);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(result.Error.ToString());
            }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        await log.FlushAsync();
        sw.Stop();
        return (count * (double)batchSize / sw.Elapsed.TotalSeconds, allocated / (double)count, log.SegmentCount);
    }

    private static double ReadBandwidth(string dir, string name)
    {
        // Reopen the log written by a 16 KiB run (clean: it was closed) and read it twice; the second
        // pass is served from the page cache.
        using var log = PartitionLog.Open(Path.Combine(dir, name + "-0"), name, 0, LogConfig.Default, cleanShutdown: true);
        var buffer = new byte[2 << 20];
        double best = 0;
        for (var pass = 0; pass < 2; pass++)
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

    private static async Task<(double Rate, long Appends, int Fsyncs)> FsyncAppendRate(string dir, string name, int appenders, double seconds, TimeSpan extraFsyncDelay)
    {
        var faults = new StorageFaults(); // counts fsyncs (and, when asked, makes each one slower)
        if (extraFsyncDelay > TimeSpan.Zero)
        {
            faults.BeforeLogFlush = _ => Thread.Sleep(extraFsyncDelay);
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
