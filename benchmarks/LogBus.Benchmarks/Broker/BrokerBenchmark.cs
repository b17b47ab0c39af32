using System.Diagnostics;
using System.Globalization;
using LogBus.Broker;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Broker;

/// <summary>
/// The broker end to end over loopback: an in-process <see cref="LogBusBroker"/> and a load generator on
/// our protocol codec (several connections, pipelined requests) in the same process, 100-byte records,
/// 1 and 8 partitions. Measures produce records/s (acks=1), fetch records/s, and produce latency
/// p50/p99 at half of the measured peak, and prints this machine's loopback and disk limits beside them.
/// </summary>
internal sealed class BrokerBenchmark : IBenchmark
{
    private const int RecordBytes = 100;
    private const double ProduceTarget = 1_000_000;
    private const double FetchTarget = 2_000_000;
    private const double P99TargetMs = 5;

    public string Name => "broker";

    public string Description => "produce/fetch records/s and produce latency over loopback, 100-byte records, 1 and 8 partitions [--quick] [--partitions 1,8] [--connections N] [--depth N] [--batch N] [--dir PATH]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var quick = options.Quick;
        var seconds = quick ? 3.0 : 8.0;
        var connections = options.Int("--connections", 4);
        var depth = options.Int("--depth", 8);
        var batchRecords = options.Int("--batch", 1000);
        var root = options.String("--dir", Path.GetTempPath());
        var work = Path.Combine(root, "logbus-broker-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        Console.WriteLine($"broker benchmark: {(quick ? "quick" : "full")}, {seconds:0} s per run, {connections} connections x {depth} requests in flight, batches of {batchRecords} x {RecordBytes}-byte records, acks=1");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; broker and generator in one process on the same machine; load average {MachineLimits.LoadAverage()}");
        try
        {
            var loopback = await MachineLimits.LoopbackBytesPerSecondAsync(TimeSpan.FromSeconds(quick ? 1 : 2));
            var disk = MachineLimits.DiskWriteBytesPerSecond(work, quick ? 256L << 20 : 1L << 30);
            var recordWireBytes = RecordWireBytes(batchRecords);
            Console.WriteLine($"limits: loopback {loopback / 1e9:0.00} GB/s (= {loopback / recordWireBytes / 1e6:0.0} M records/s of {recordWireBytes:0} wire bytes), disk write+fsync {disk / 1e9:0.00} GB/s (= {disk / recordWireBytes / 1e6:0.0} M records/s)");
            Console.WriteLine();

            await using var broker = new LogBusBroker(new LogBusBrokerOptions { Port = 0, DataDirectory = Path.Combine(work, "data") });
            await broker.StartAsync();
            var rows = new List<string[]>();
            var allMet = true;
            foreach (var partitions in options.String("--partitions", "1,8").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)))
            {
                var topic = $"bench-{partitions}";
                await CreateTopicAsync(broker.Port, topic, partitions);
                var batch = BuildBatch(batchRecords);
                await ProduceAsync(broker.Port, topic, partitions, batch, batchRecords, connections, depth, TimeSpan.FromSeconds(quick ? 0.5 : 1), rate: null); // warm-up
                var peak = await ProduceAsync(broker.Port, topic, partitions, batch, batchRecords, connections, depth, TimeSpan.FromSeconds(seconds), rate: null);
                // Half load interleaved with the loopback echo floor (same request and response sizes, same
                // pacing) in slices, so both see the same neighbours on this shared machine.
                var server = broker.Server ?? throw new InvalidOperationException("broker not running");
                server.RequestTimes.Reset();
                server.HandlerTimes.Reset();
                var half = new List<ProduceResult>();
                var echo = new List<double>();
                for (var slice = 0; slice < Slices; slice++)
                {
                    half.Add(await ProduceAsync(broker.Port, topic, partitions, batch, batchRecords, connections, depth, TimeSpan.FromSeconds(seconds / Slices), rate: peak.RecordsPerSecond / 2));
                    echo.AddRange(await MachineLimits.EchoLatencyAsync(connections, peak.RecordsPerSecond / 2 / batchRecords, TimeSpan.FromSeconds(seconds / Slices / 2), half[^1].RequestBytes, half[^1].ResponseBytes));
                }
                var halfAll = ProduceResult.Combine(half);
                var brokerP50 = server.RequestTimes.PercentileMs(ApiKey.Produce, 0.50);
                var brokerP99 = server.RequestTimes.PercentileMs(ApiKey.Produce, 0.99);
                var handlerP50 = server.HandlerTimes.PercentileMs(ApiKey.Produce, 0.50);
                var handlerP99 = server.HandlerTimes.PercentileMs(ApiKey.Produce, 0.99);
                var echoSorted = echo.Order().ToArray();
                var (echoP50, echoP99) = (Percentile(echoSorted, 0.50), Percentile(echoSorted, 0.99));
                var fetch = await FetchAsync(broker.Port, topic, partitions, connections);
                Console.WriteLine($"{partitions} partition(s), load average {MachineLimits.LoadAverage()}: produce {peak.RecordsPerSecond / 1e6:0.00} M rec/s (p50 {peak.P50:0.00} ms, p99 {peak.P99:0.00} ms at peak), half load {halfAll.RecordsPerSecond / 1e6:0.00} M rec/s p50 {halfAll.P50:0.00} ms p99 {halfAll.P99:0.00} ms (broker-side p50 {brokerP50:0.00} ms p99 {brokerP99:0.00} ms, of which the handler's validate+append p50 {handlerP50:0.00} ms p99 {handlerP99:0.00} ms; from the intended send time: p50 {halfAll.IntendedP50:0.00} ms p99 {halfAll.IntendedP99:0.00} ms; gen0/gen2 GCs {peak.Gen0}/{peak.Gen2} and {halfAll.Gen0}/{halfAll.Gen2}, GC pauses {peak.GcPauseMs:0}/{halfAll.GcPauseMs:0} ms, {halfAll.AllocatedPerRequest:N0} bytes allocated per request incl. generator), echo floor p50 {echoP50:0.00} ms p99 {echoP99:0.00} ms, fetch {fetch / 1e6:0.00} M rec/s");
                var produceMet = peak.RecordsPerSecond >= ProduceTarget;
                var fetchMet = fetch >= FetchTarget;
                var latencyMet = halfAll.P99 <= P99TargetMs;
                allMet &= produceMet && fetchMet && latencyMet;
                rows.Add([$"produce, {partitions} partition(s)", $"{peak.RecordsPerSecond:N0} rec/s", $">= {ProduceTarget:N0} rec/s", produceMet ? "MET" : "MISSED"]);
                rows.Add([$"fetch, {partitions} partition(s)", $"{fetch:N0} rec/s", $">= {FetchTarget:N0} rec/s", fetchMet ? "MET" : "MISSED"]);
                rows.Add([$"produce p50 / p99 at half load ({halfAll.RecordsPerSecond:N0} rec/s), {partitions} partition(s)", $"{halfAll.P50:0.00} / {halfAll.P99:0.00} ms", $"p99 <= {P99TargetMs} ms", latencyMet ? "MET" : "MISSED"]);
                rows.Add([$"  same, from the intended send time (incl. generator timer lateness)", $"{halfAll.IntendedP50:0.00} / {halfAll.IntendedP99:0.00} ms", "(context)", ""]);
                rows.Add([$"  broker-side: frame read -> response handed to the kernel", $"{brokerP50:0.00} / {brokerP99:0.00} ms", "(context)", ""]);
                rows.Add([$"    of which the produce handler (validate, append to the log)", $"{handlerP50:0.00} / {handlerP99:0.00} ms", "(context)", ""]);
                rows.Add([$"  machine floor: loopback echo, same sizes and rate, interleaved", $"{echoP50:0.00} / {echoP99:0.00} ms", "reference", ""]);
            }
            rows.Add(["machine: loopback TCP, one connection", $"{loopback / 1e9:0.00} GB/s = {loopback / recordWireBytes:N0} rec/s", "reference", ""]);
            rows.Add(["machine: disk sequential write+fsync", $"{disk / 1e9:0.00} GB/s = {disk / recordWireBytes:N0} rec/s", "reference", ""]);
            Console.WriteLine();
            Print(rows);
            Console.WriteLine();
            Console.WriteLine(allMet ? "all targets MET" : "some targets MISSED (see above; the machine's limits are printed beside them)");
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    private static double RecordWireBytes(int batchRecords) => (double)BuildBatch(batchRecords).Length / batchRecords;

    private static byte[] BuildBatch(int records)
    {
        using var builder = new RecordBatchBuilder(records * (RecordBytes + 16) + 1024);
        builder.Reset();
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < records; i++)
        {
            if (!builder.TryAppendNullable(now, null, value))
            {
                throw new InvalidOperationException("batch full");
            }
        }
        return builder.Build().ToArray();
    }

    private static async Task CreateTopicAsync(int port, string topic, int partitions)
    {
        using var connection = await LoadConnection.ConnectAsync(port);
        var frame = LoadConnection.Encode(new CreateTopicsRequest { TimeoutMs = 10_000, Topics = [new CreateTopicsRequest.Topic { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }] }, 4);
        await connection.SendAsync(frame);
        await connection.ReceiveAsync();
    }

    /// <summary>Slices the half-load phase is cut into (each followed by an echo-floor slice).</summary>
    private const int Slices = 4;

    /// <summary>
    /// One produce phase: records acknowledged over its duration, latencies (ms) from the actual send and
    /// from the intended send time of the paced schedule (adds the generator's own timer lateness, no
    /// coordinated omission), GC activity and process-wide allocations (broker and generator).
    /// </summary>
    private sealed record ProduceResult(long Records, double Seconds, double[] Latencies, double[] Intended, int Gen0, int Gen2, double GcPauseMs, long Allocated, int RequestBytes, int ResponseBytes)
    {
        public double RecordsPerSecond => Records / Seconds;

        public double P50 => Percentile(Latencies, 0.50);

        public double P99 => Percentile(Latencies, 0.99);

        public double IntendedP50 => Percentile(Intended, 0.50);

        public double IntendedP99 => Percentile(Intended, 0.99);

        public double AllocatedPerRequest => Latencies.Length == 0 ? 0 : (double)Allocated / Latencies.Length;

        public static ProduceResult Combine(List<ProduceResult> parts) => new(
            parts.Sum(p => p.Records),
            parts.Sum(p => p.Seconds),
            parts.SelectMany(p => p.Latencies).Order().ToArray(),
            parts.SelectMany(p => p.Intended).Order().ToArray(),
            parts.Sum(p => p.Gen0),
            parts.Sum(p => p.Gen2),
            parts.Sum(p => p.GcPauseMs),
            parts.Sum(p => p.Allocated),
            parts[0].RequestBytes,
            parts[0].ResponseBytes);
    }

    private static async Task<ProduceResult> ProduceAsync(int port, string topic, int partitions, byte[] batch, int batchRecords, int connectionCount, int depth, TimeSpan duration, double? rate)
    {
        // Everything the generator needs is allocated before the clock starts, then collected: the
        // large buffers (latency lists, 110 KB frames) would otherwise land on the large-object heap
        // inside the measured phase and trigger a blocking gen-2 collection there.
        var latencies = new List<double>[connectionCount];
        var intended = new List<double>[connectionCount];
        var connections = await Task.WhenAll(Enumerable.Range(0, connectionCount).Select(_ => LoadConnection.ConnectAsync(port)));
        // One pre-encoded frame per partition and connection (only the correlation id changes).
        var framesOf = connections.Select(_ => Enumerable.Range(0, partitions)
            .Select(p => LoadConnection.Encode(new ProduceRequest
            {
                Acks = 1,
                TimeoutMs = 30_000,
                Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { Index = p, Records = RecordSet.FromMemory(batch) }] }],
            }, 7)).ToArray()).ToArray();
        for (var c = 0; c < connectionCount; c++)
        {
            latencies[c] = new List<double>(1 << 16);
            intended[c] = new List<double>(1 << 16);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long acked = 0;
        var responseBytes = 0;
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes();
        var pause = GC.GetTotalPauseDuration();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = new Task[connectionCount];
        for (var c = 0; c < connectionCount; c++)
        {
            var index = c;
            tasks[c] = Task.Run(async () =>
            {
                using var connection = connections[index];
                var frames = framesOf[index];
                var slots = new SemaphoreSlim(depth);
                var sentAt = new long[1024];
                var scheduledAt = new long[1024];
                var sent = 0;
                var senderDone = false;
                var interval = rate is { } r ? Stopwatch.Frequency / (r / batchRecords / connectionCount) : 0;
                var receiver = Task.Run(async () =>
                {
                    try
                    {
                        while (true)
                        {
                            var body = await connection.ReceiveAsync();
                            responseBytes = body.Length + 4;
                            var id = LoadConnection.CheckProduce(body);
                            latencies[index].Add(LoadConnection.ElapsedMs(sentAt[id % sentAt.Length]));
                            intended[index].Add(LoadConnection.ElapsedMs(scheduledAt[id % scheduledAt.Length]));
                            Interlocked.Add(ref acked, batchRecords);
                            slots.Release();
                        }
                    }
                    catch (Exception) when (Volatile.Read(ref senderDone))
                    {
                        // the sender closed the connection after every response arrived
                    }
                });
                for (long k = 0; ; k++)
                {
                    var scheduled = rate is null ? 0 : start + (long)(k * interval) + (long)(index * interval / connectionCount);
                    if (rate is not null)
                    {
                        // Sleep (never spin: spinning generators starve the broker on two cores) until
                        // the scheduled time; the timer's lateness counts as latency.
                        var wait = (scheduled - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                        if (wait > 0)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, wait)));
                        }
                    }
                    if (Stopwatch.GetTimestamp() >= deadline)
                    {
                        break;
                    }
                    await slots.WaitAsync();
                    var frame = frames[(int)((k + index) % partitions)];
                    var now = Stopwatch.GetTimestamp();
                    sentAt[(sent + 1) % sentAt.Length] = now;
                    scheduledAt[(sent + 1) % scheduledAt.Length] = rate is null ? now : scheduled;
                    await connection.SendAsync(frame);
                    Interlocked.Increment(ref sent);
                }
                for (var i = 0; i < depth; i++)
                {
                    await slots.WaitAsync(); // every response is in
                }
                Volatile.Write(ref senderDone, true);
                connection.Dispose();
                await receiver;
            });
        }
        await Task.WhenAll(tasks);
        var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var allIntended = intended.SelectMany(l => l).Order().ToArray();
        var requestBytes = framesOf[0][0].Length;
        return new ProduceResult(acked, elapsed, all, allIntended, GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2, (GC.GetTotalPauseDuration() - pause).TotalMilliseconds, GC.GetTotalAllocatedBytes() - allocated, requestBytes, Math.Max(responseBytes, 8));
    }

    private static async Task<double> FetchAsync(int port, string topic, int partitions, int connectionCount)
    {
        // High watermarks, then split every partition into ranges so all connections are busy.
        var highs = new long[partitions];
        using (var probe = await LoadConnection.ConnectAsync(port))
        {
            for (var p = 0; p < partitions; p++)
            {
                await probe.SendAsync(FetchFrame(topic, p, 0, 1));
                highs[p] = LoadConnection.CountFetch(await probe.ReceiveAsync(), 0).HighWatermark;
            }
        }
        var perPartition = Math.Max(1, (connectionCount + partitions - 1) / partitions);
        var work = new List<(int Partition, long From, long To)>();
        for (var p = 0; p < partitions; p++)
        {
            for (var s = 0; s < perPartition; s++)
            {
                work.Add((p, highs[p] * s / perPartition, highs[p] * (s + 1) / perPartition));
            }
        }
        long total = 0;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connectionCount).Select(c => Task.Run(async () =>
        {
            using var connection = await LoadConnection.ConnectAsync(port, 8 << 20);
            for (var i = c; i < work.Count; i += connectionCount)
            {
                var (partition, from, to) = work[i];
                var next = from;
                while (next < to)
                {
                    await connection.SendAsync(FetchFrame(topic, partition, next, 4 << 20));
                    var (records, after, _) = LoadConnection.CountFetch(await connection.ReceiveAsync(), next);
                    records -= Math.Max(0, after - to); // the range's end may fall inside a batch
                    Interlocked.Add(ref total, records);
                    next = after;
                }
            }
        })));
        var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var expected = highs.Sum();
        if (total != expected)
        {
            throw new InvalidOperationException($"fetched {total} records, expected {expected}");
        }
        return total / elapsed;
    }

    private static byte[] FetchFrame(string topic, int partition, long offset, int maxBytes) => LoadConnection.Encode(new FetchRequest
    {
        MaxWaitMs = 0,
        MinBytes = 1,
        MaxBytes = maxBytes,
        IsolationLevel = 0,
        Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { Index = partition, FetchOffset = offset, PartitionMaxBytes = maxBytes }] }],
    }, 11);

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static void Print(List<string[]> rows)
    {
        string[] header = ["metric", "measured", "target", ""];
        var widths = Enumerable.Range(0, 4).Select(i => rows.Append(header).Max(r => r[i].Length)).ToArray();
        Console.WriteLine(string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))));
        Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join(" | ", row.Select((v, i) => v.PadRight(widths[i]))));
        }
    }
}
