using System.Diagnostics;
using LogBus.Benchmarks.Broker;
using LogBus.Broker;
using LogBus.Transport;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Benchmarks.Kafka;

/// <summary>
/// The managed Kafka client against the bundled broker in this process on loopback: produce of
/// 100-byte records (acks=all, idempotent, 5 ms linger) until every record is acknowledged, then
/// consume of all of them (manual assignment, decoded into records). Targets (issue 7): produce
/// at least 1,000,000 records/s, consume at least 2,000,000 records/s.
/// </summary>
internal sealed class KafkaClientBenchmark : IBenchmark
{
    public string Name => "kafka-client";

    public string Description => "raw managed client produce/consume of 100-byte records against the in-process broker (records/s)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var count = options.Int("--records", options.Quick ? 1_000_000 : 5_000_000);
        var partitions = options.Int("--partitions", 8);
        var size = options.Int("--size", 100);
        var batchSize = options.Int("--batch-size", 256 * 1024);
        var rounds = options.Int("--rounds", options.Quick ? 1 : 3);
        var directory = Path.Combine(Path.GetTempPath(), "logbus-bench-kafka-" + Guid.NewGuid().ToString("N"));
        await using var broker = new LogBusBroker(new LogBusBrokerOptions { Port = 0, DataDirectory = directory });
        // --bootstrap HOST:PORT measures against a broker in another process (CPU numbers are then the client's alone).
        var external = options.String("--bootstrap", "");
        if (external.Length == 0)
        {
            await broker.StartAsync();
        }
        var bootstrap = external.Length > 0 ? external : $"127.0.0.1:{broker.Port}";
        Console.WriteLine($"kafka-client: {count:N0} records of {size} bytes per round, {partitions} partitions, batch {batchSize / 1024} KiB, {Environment.ProcessorCount} cores, broker {bootstrap}");
        try
        {
            double bestProduce = 0, bestConsume = 0, bestProduceCpu = double.MaxValue, bestConsumeCpu = double.MaxValue;
            for (var round = 1; round <= rounds; round++)
            {
                var topic = $"bench-{round}-{Guid.NewGuid():N}";
                await using (var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = bootstrap }))
                {
                    await admin.CreateTopicAsync(topic, partitions);
                }
                var load = MachineLimits.LoadAverage();
                var (produce, produceCpu) = await ProduceAsync(bootstrap, topic, count, size, batchSize);
                var (consume, consumeCpu) = await ConsumeAsync(bootstrap, topic, partitions, count, options.Int("--prefetch", 2 * 1024 * 1024), options.Int("--fetch-bytes", 1024 * 1024));
                bestProduce = Math.Max(bestProduce, produce);
                bestConsume = Math.Max(bestConsume, consume);
                bestProduceCpu = Math.Min(bestProduceCpu, produceCpu);
                bestConsumeCpu = Math.Min(bestConsumeCpu, consumeCpu);
                Console.WriteLine($"  round {round}: produce {produce,12:N0} records/s ({produceCpu:F2} us CPU/record)   consume {consume,12:N0} records/s ({consumeCpu:F2} us CPU/record)   load average {load} -> {MachineLimits.LoadAverage()}");
            }
            // Process CPU (client and, unless --bootstrap, the broker): what the run cost, independent of how
            // much of the shared machine it was given. The ceiling assumes every core works for this process.
            var cores = Environment.ProcessorCount;
            Console.WriteLine($"kafka-client: produce best {bestProduce:N0} records/s; target >= 1,000,000: {(bestProduce >= 1_000_000 ? "MET" : "MISSED")}; CPU {bestProduceCpu:F2} us/record = CPU-bound ceiling {cores / bestProduceCpu * 1e6:N0} records/s on {cores} cores");
            Console.WriteLine($"kafka-client: consume best {bestConsume:N0} records/s; target >= 2,000,000: {(bestConsume >= 2_000_000 ? "MET" : "MISSED")}; CPU {bestConsumeCpu:F2} us/record = CPU-bound ceiling {cores / bestConsumeCpu * 1e6:N0} records/s on {cores} cores");
        }
        finally
        {
            await broker.DisposeAsync();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        return 0;
    }

    private static async Task<(double Rate, double CpuMicrosPerRecord)> ProduceAsync(string bootstrap, string topic, int count, int size, int batchSize)
    {
        await using var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = bootstrap, BatchSize = batchSize, MaxRequestSize = Math.Max(1024 * 1024, batchSize * 4), BufferMemory = 64L * 1024 * 1024 });
        await producer.WhenReady;
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        // Prime the metadata so every record takes the fast path.
        await producer.ProduceAsync(new OutgoingRecord(topic, null, value, RecordHeaders.Empty));
        const int window = 50_000;
        var windows = new Queue<ValueTask<DeliveryResult>[]>();
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var produced = 0; produced < count; produced += window)
        {
            var n = Math.Min(window, count - produced);
            var results = new ValueTask<DeliveryResult>[n];
            for (var i = 0; i < n; i++)
            {
                results[i] = producer.ProduceAsync(new OutgoingRecord(topic, null, value, RecordHeaders.Empty));
            }
            windows.Enqueue(results);
            if (windows.Count > 4)
            {
                await AwaitAllAsync(windows.Dequeue());
            }
        }
        while (windows.Count > 0)
        {
            await AwaitAllAsync(windows.Dequeue());
        }
        stopwatch.Stop();
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        if (Verbose)
        {
            var (requests, batches, latency) = producer.Statistics;
            Console.WriteLine($"    producer: {requests:N0} requests, {batches:N0} batches, mean round trip {latency.TotalMilliseconds:F2} ms, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F2} s, GCs {GC.CollectionCount(0) - gcBefore.Item1}/{GC.CollectionCount(1) - gcBefore.Item2}/{GC.CollectionCount(2) - gcBefore.Item3}");
        }
        return (count / stopwatch.Elapsed.TotalSeconds, cpu);
    }

    private static bool Verbose => Environment.GetEnvironmentVariable("LOGBUS_BENCH_VERBOSE") == "1";

    private static async Task AwaitAllAsync(ValueTask<DeliveryResult>[] results)
    {
        foreach (var result in results)
        {
            var delivered = await result;
            if (delivered.Offset < 0)
            {
                throw new InvalidOperationException("a record was not acknowledged with an offset");
            }
        }
    }

    private static async Task<(double Rate, double CpuMicrosPerRecord)> ConsumeAsync(string bootstrap, string topic, int partitions, int count, int prefetch, int fetchBytes)
    {
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions
        {
            BootstrapServers = bootstrap,
            MaxPollRecords = 10_000,
            PrefetchBytesPerPartition = prefetch,
            MaxPartitionFetchBytes = fetchBytes,
        });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)));
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        long read = 0, checksum = 0;
        while (read < count + 1) // + the priming record
        {
            var records = await consumer.FetchAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            if (records.Count == 0)
            {
                throw new InvalidOperationException($"no records for 5 s after {read:N0}");
            }
            foreach (var record in records)
            {
                checksum += record.Value.Length;
            }
            read += records.Count;
        }
        stopwatch.Stop();
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / read;
        GC.KeepAlive(checksum);
        if (Verbose)
        {
            var (fetches, bytes, latency) = consumer.Statistics;
            Console.WriteLine($"    consumer: {fetches:N0} fetches, {bytes / 1048576.0:F1} MiB, mean round trip {latency.TotalMilliseconds:F2} ms, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F2} s, GCs {GC.CollectionCount(0) - gcBefore.Item1}/{GC.CollectionCount(1) - gcBefore.Item2}/{GC.CollectionCount(2) - gcBefore.Item3}");
        }
        return (read / stopwatch.Elapsed.TotalSeconds, cpu);
    }
}
