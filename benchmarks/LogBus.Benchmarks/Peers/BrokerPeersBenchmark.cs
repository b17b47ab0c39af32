using System.Globalization;
using LogBus.Benchmarks.Report;
using LogBus.Broker;
using LogBus.Transport;
using LogBus.Transport.Kafka.Client;
using RabbitMQ.Client;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// Broker throughput side by side (issue 11, workload 1): the Kafka paper's experiment (200-byte messages,
/// producer batch 1 and batch 50, consumer throughput) and 100-byte records with large batches (acks=1 and
/// acks=all), for the LogBus broker (in this process, over loopback) and RabbitMQ (stream queue and classic
/// queue through RabbitMQ.Client over AMQP 0-9-1). One partition / one queue, one producer connection, one
/// consumer. Each row holds the systems at equal durability (see the row's durability and the notes).
/// </summary>
internal sealed class BrokerPeersBenchmark : IBenchmark
{
    private const string LogBus = "LogBus";
    private const string Stream = "RabbitMQ stream";
    private const string Classic = "RabbitMQ classic";
    private const int WindowMessages = 5_000;

    public string Name => "broker-peers";

    public string Description => "broker throughput vs RabbitMQ stream/classic queues (Kafka paper + 100-byte batches) [--quick] --amqp URI [--server-pid PID] [--json FILE]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var quick = options.Quick;
        var amqp = options.String("--amqp", "");
        int? serverPid = options.Int("--server-pid", 0) is > 0 and var pid ? pid : null;
        var n = options.Int("--messages", quick ? 100_000 : 1_000_000);
        var nFsync = options.Int("--fsync-messages", quick ? 20_000 : 50_000);
        var nLarge = options.Int("--large-messages", quick ? 300_000 : 2_000_000);
        var run = Guid.NewGuid().ToString("N")[..6];
        var directory = Path.Combine(Path.GetTempPath(), "logbus-broker-peers-" + run);
        Console.WriteLine($"broker-peers: {(quick ? "quick" : "full")}; {n:N0} messages per row ({nFsync:N0} with fsync, {nLarge:N0} of 100 B); {Environment.ProcessorCount} cores; RabbitMQ {(amqp.Length > 0 ? amqp : "not given (peers skipped)")}");

        var results = new BenchmarkResults
        {
            Workload = "broker",
            Title = "Broker throughput",
            Mode = quick ? "quick" : "full",
            Systems =
            {
                [LogBus] = "LogBus broker in the benchmark process (loopback, one partition). Batch 1/50 rows: a codec-level producer sending exactly one record batch of 1 or 50 records per Produce request (encoded per request), up to 256 requests (batch 1) or 100 requests (batch 50) in flight on one connection. 100-byte rows: LogBus's managed producer (256 KiB batches, 5 ms linger). Consumer: LogBus's managed consumer (manual assignment, 1 MiB fetches).",
                [Stream] = $"RabbitMQ stream queue (x-queue-type: stream) through RabbitMQ.Client 7.1.2 over AMQP 0-9-1 (this registry has no RabbitMQ stream-protocol client). Publisher confirms tracked from basic.ack with a window of {WindowMessages:N0} unconfirmed messages (10,000 for 100-byte rows); consumer: basic.consume from the first offset, prefetch 2,000, one multiple-ack per 500 messages.",
                [Classic] = $"RabbitMQ classic queue through RabbitMQ.Client 7.1.2: non-durable queue with transient messages for fire-and-forget, durable queue with persistent messages and publisher confirms (window {WindowMessages:N0}) for the fsync rows; consumer as for the stream.",
            },
        };

        await using var broker = new LogBusBroker(new LogBusBrokerOptions { Port = 0, DataDirectory = Path.Combine(directory, "logbus") });
        await broker.StartAsync();
        var bootstrap = $"127.0.0.1:{broker.Port.ToString(CultureInfo.InvariantCulture)}";
        IConnection? rabbit = amqp.Length > 0 ? await RabbitMqLoad.ConnectAsync(amqp) : null;
        try
        {
            const string fireAndForget = "fire-and-forget: no acknowledgement per message; the run ends when the broker has taken all of them (LogBus: acks=0, the log's high watermark reaches N; RabbitMQ: no confirms, a synchronous call on the channel returns and a classic queue holds N)";
            const string acked = "acknowledged when in the broker's OS page cache, not fsynced, one copy (LogBus: acks=1; RabbitMQ stream: publisher confirm, which streams send without fsync)";
            const string fsynced = "acknowledged after fsync (LogBus: acks=all on a topic with flush.messages=1, concurrent appends share an fsync; RabbitMQ classic: durable queue, persistent messages, publisher confirm after the message store's fsync)";

            // Warm-up: JIT and tiering for both clients and the broker, off the record.
            await LogBusProduceLoad.CreateTopicAsync(broker.Port, $"warm-{run}");
            await LogBusProduceLoad.ProduceAsync(broker.Port, $"warm-{run}", Math.Min(n, 50_000), 200, 50, 1, 100);
            if (rabbit is not null)
            {
                await RabbitMqLoad.DeclareAsync(rabbit, $"warm-{run}", RabbitQueueKind.Stream);
                await RabbitMqLoad.PublishAsync(rabbit, $"warm-{run}", RabbitQueueKind.Stream, Math.Min(n, 20_000), 200, confirms: true, WindowMessages, null);
                await RabbitMqLoad.DeleteAsync(rabbit, $"warm-{run}");
            }

            // 1. The Kafka paper: 200-byte messages, fire-and-forget, batch 1 and 50.
            Console.WriteLine("produce 200 B, fire-and-forget");
            var ffStream = await RabbitAsync(rabbit, Stream, n, async c =>
            {
                await RabbitMqLoad.DeclareAsync(c, $"ff-stream-{run}", RabbitQueueKind.Stream);
                var r = await RabbitMqLoad.PublishAsync(c, $"ff-stream-{run}", RabbitQueueKind.Stream, n, 200, confirms: false, WindowMessages, serverPid);
                await RabbitMqLoad.DeleteAsync(c, $"ff-stream-{run}");
                return r;
            });
            var classicQueue = $"ff-classic-{run}"; // kept: the consume row reads it
            var ffClassic = await RabbitAsync(rabbit, Classic, n, async c =>
            {
                await RabbitMqLoad.DeclareAsync(c, classicQueue, RabbitQueueKind.ClassicTransient);
                return await RabbitMqLoad.PublishAsync(c, classicQueue, RabbitQueueKind.ClassicTransient, n, 200, confirms: false, WindowMessages, serverPid);
            });
            var ff1 = await LogBusProduceAsync(broker.Port, $"ff1-{run}", n, 200, 1, 0, 256);
            var ff50 = await LogBusProduceAsync(broker.Port, $"ff50-{run}", n, 200, 50, 0, 100);
            results.Rows.Add(Row("produce-200-b1-ff", "produce 200 B, batch 1", fireAndForget, "disk-write", ff1, ffStream, ffClassic));
            results.Rows.Add(Row("produce-200-b50-ff", "produce 200 B, batch 50", fireAndForget, "disk-write", ff50,
                PeerRun.Reuse(ffStream, "same run as batch 1: AMQP 0-9-1 has no publish batching"), PeerRun.Reuse(ffClassic, "same run as batch 1: AMQP 0-9-1 has no publish batching")));

            // 2. Acknowledged, page cache: LogBus acks=1 vs the stream queue with publisher confirms.
            Console.WriteLine("produce 200 B, acknowledged (page cache)");
            var streamQueue = $"acked-stream-{run}"; // kept: the consume row reads it
            var ackStream = await RabbitAsync(rabbit, Stream, n, async c =>
            {
                await RabbitMqLoad.DeclareAsync(c, streamQueue, RabbitQueueKind.Stream);
                return await RabbitMqLoad.PublishAsync(c, streamQueue, RabbitQueueKind.Stream, n, 200, confirms: true, WindowMessages, serverPid);
            });
            var ack1 = await LogBusProduceAsync(broker.Port, $"ack1-{run}", n, 200, 1, 1, 256);
            var logBusTopic = $"ack50-{run}"; // kept: the consume row reads it
            var ack50 = await LogBusProduceAsync(broker.Port, logBusTopic, n, 200, 50, 1, 100);
            results.Rows.Add(Row("produce-200-b1-acked", "produce 200 B, batch 1", acked, "disk-write", ack1, ackStream));
            results.Rows.Add(Row("produce-200-b50-acked", "produce 200 B, batch 50", acked, "disk-write", ack50, PeerRun.Reuse(ackStream, "same run as batch 1: AMQP 0-9-1 has no publish batching")));

            // 3. Acknowledged after fsync: LogBus flush.messages=1 vs classic durable queue with confirms.
            Console.WriteLine("produce 200 B, acknowledged after fsync");
            var fsyncClassic = await RabbitAsync(rabbit, Classic, nFsync, async c =>
            {
                await RabbitMqLoad.DeclareAsync(c, $"fsync-classic-{run}", RabbitQueueKind.ClassicDurable);
                var r = await RabbitMqLoad.PublishAsync(c, $"fsync-classic-{run}", RabbitQueueKind.ClassicDurable, nFsync, 200, confirms: true, WindowMessages, serverPid);
                await RabbitMqLoad.DeleteAsync(c, $"fsync-classic-{run}");
                return r;
            });
            var fsync1 = await LogBusProduceAsync(broker.Port, $"fsync1-{run}", nFsync, 200, 1, -1, 256, ("flush.messages", "1"));
            var fsync50 = await LogBusProduceAsync(broker.Port, $"fsync50-{run}", nFsync, 200, 50, -1, 100, ("flush.messages", "1"));
            results.Rows.Add(Row("produce-200-b1-fsync", "produce 200 B, batch 1", fsynced, "disk-write", fsync1, fsyncClassic));
            results.Rows.Add(Row("produce-200-b50-fsync", "produce 200 B, batch 50", fsynced, "disk-write", fsync50, PeerRun.Reuse(fsyncClassic, "same run as batch 1: AMQP 0-9-1 has no publish batching")));

            // 4. 100-byte records, large batches, acks=1 and acks=all (one node: all = the one replica).
            Console.WriteLine("produce 100 B, large batches");
            var largeStream = await RabbitAsync(rabbit, Stream, nLarge, async c =>
            {
                await RabbitMqLoad.DeclareAsync(c, $"large-stream-{run}", RabbitQueueKind.Stream);
                var r = await RabbitMqLoad.PublishAsync(c, $"large-stream-{run}", RabbitQueueKind.Stream, nLarge, 100, confirms: true, 10_000, serverPid);
                await RabbitMqLoad.DeleteAsync(c, $"large-stream-{run}");
                return r;
            });
            var large1 = await ManagedProduceAsync(bootstrap, $"large1-{run}", nLarge, Acks.Leader);
            var largeAll = await ManagedProduceAsync(bootstrap, $"largeall-{run}", nLarge, Acks.All);
            results.Rows.Add(Row("produce-100-large-acks1", "produce 100 B, large batches, acks=1", acked, "disk-write", large1, largeStream));
            results.Rows.Add(Row("produce-100-large-acksall", "produce 100 B, large batches, acks=all (idempotent)",
                acked + "; with one replica acks=all waits for the same single copy, plus idempotent-producer sequence checks", "disk-write", largeAll,
                PeerRun.Reuse(largeStream, "same run as acks=1: a one-node stream confirms after its one replica wrote")));

            // 5. Consumer throughput: N messages already stored (LogBus: the batch-50 acks=1 topic).
            Console.WriteLine("consume 200 B");
            var consumeStream = await RabbitAsync(rabbit, Stream, n, c => RabbitMqLoad.ConsumeAsync(c, streamQueue, RabbitQueueKind.Stream, n, 2000, 500, serverPid));
            var consumeClassic = await RabbitAsync(rabbit, Classic, n, c => RabbitMqLoad.ConsumeAsync(c, classicQueue, RabbitQueueKind.ClassicTransient, n, 2000, 500, serverPid));
            var consume = await PeerRun.ThroughputAsync(LogBus, n, () => ConsumeAsync(bootstrap, logBusTopic, n));
            results.Rows.Add(Row("consume-200", "consume 200 B", "reads N messages already stored; LogBus: no per-message acknowledgement (a consumer's position is an offset); RabbitMQ: manual acks, one multiple-ack per 500 messages (stream queues require acks for flow control)",
                "loopback", consume, consumeStream, consumeClassic));
            results.Row("consume-200")!.LimitBytesPerUnit = results.Row("produce-200-b50-acked")!.LimitBytesPerUnit;

            if (rabbit is not null)
            {
                await RabbitMqLoad.DeleteAsync(rabbit, streamQueue);
                await RabbitMqLoad.DeleteAsync(rabbit, classicQueue);
            }
        }
        finally
        {
            if (rabbit is not null)
            {
                await rabbit.CloseAsync();
                rabbit.Dispose();
            }
            await broker.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }

        results.Targets.AddRange(
        [
            new TargetSpec { Name = "broker produce >= 5x RabbitMQ stream at equal durability (200 B, batch 1)", Row = "produce-200-b1-acked", Peer = Stream, Op = ">=", Ratio = 5 },
            new TargetSpec { Name = "broker produce >= 5x RabbitMQ stream at equal durability (200 B, batch 50)", Row = "produce-200-b50-acked", Peer = Stream, Op = ">=", Ratio = 5 },
            new TargetSpec { Name = "broker produce >= 5x RabbitMQ stream at equal durability (100 B, acks=1)", Row = "produce-100-large-acks1", Peer = Stream, Op = ">=", Ratio = 5 },
            new TargetSpec { Name = "broker produce >= 5x RabbitMQ stream at equal durability (100 B, acks=all)", Row = "produce-100-large-acksall", Peer = Stream, Op = ">=", Ratio = 5 },
            new TargetSpec { Name = "broker consume >= 5x RabbitMQ stream", Row = "consume-200", Peer = Stream, Op = ">=", Ratio = 5 },
        ]);
        results.Notes.AddRange(
        [
            "One partition against one queue, one producer connection, one consumer, all on this machine's loopback. LogBus's broker runs inside the benchmark process; RabbitMQ is a separate node started by run.sh. Both share the same two cores with the load generators, so the table also gives CPU time per message (benchmark process, and RabbitMQ's server process) beside each figure.",
            "The Kafka paper measured batch 1 and batch 50 fire-and-forget. AMQP 0-9-1 has no publish batching: each RabbitMQ message is one basic.publish, so one RabbitMQ run answers both batch rows.",
            "Fsync rows, batch 1: the broker runs a partition's fsync on the thread that handles the Produce request when no flush is in progress (group commit is designed for concurrent appenders: it saves a thread hop for one). Requests pipelined on one connection are handled one after the other by that connection's read loop, so while it fsyncs it reads nothing, and the next request usually finds no flush in progress and fsyncs again: pipelined requests of one connection rarely share an fsync, which bounds batch 1 near the disk's fsync rate (see the limits; compare batch 50, where each fsync covers 50 records). RabbitMQ's message store instead syncs once for all messages that arrived meanwhile. This is a finding for the broker (run the fsync off the read loop when more requests are buffered), not a property of the log format.",
            "% of limit: LogBus's bytes on the wire/disk per message (record batch format) against the sequential disk write bandwidth for produce rows and loopback TCP bandwidth for the consume row, from the limits workload of the same run.",
        ]);
        if (options.String("--json", "") is { Length: > 0 } json)
        {
            ResultsFile.Write(json, results);
        }
        return 0;
    }

    private static ResultRow Row(string id, string title, string durability, string limit, (SystemResult Result, double BytesPerRecord) logBus, params SystemResult?[] peers) => new()
    {
        Id = id,
        Case = title,
        Durability = durability,
        Unit = "msg/s",
        Limit = limit,
        LimitBytesPerUnit = logBus.BytesPerRecord,
        Results = [logBus.Result, .. peers.OfType<SystemResult>()],
    };

    private static ResultRow Row(string id, string title, string durability, string limit, SystemResult logBus, params SystemResult?[] peers) =>
        Row(id, title, durability, limit, (logBus, 0.0), peers);

    private static async Task<SystemResult?> RabbitAsync(IConnection? rabbit, string system, int count, Func<IConnection, Task<(double Seconds, RunProfile Profile)>> run) =>
        rabbit is null ? null : await PeerRun.ThroughputAsync(system, count, () => run(rabbit));

    private static async Task<(SystemResult Result, double BytesPerRecord)> LogBusProduceAsync(int port, string topic, int count, int size, int batch, short acks, int window, params (string, string)[] configs)
    {
        var bytesPerRecord = 0.0;
        var result = await PeerRun.ThroughputAsync(LogBus, count, async () =>
        {
            await LogBusProduceLoad.CreateTopicAsync(port, topic, configs);
            var (seconds, profile, perRecord) = await LogBusProduceLoad.ProduceAsync(port, topic, count, size, batch, acks, window);
            bytesPerRecord = perRecord;
            return (seconds, profile);
        });
        return (result, bytesPerRecord);
    }

    /// <summary>LogBus's managed producer, as the framework uses it, with large batches.</summary>
    private static async Task<(SystemResult Result, double BytesPerRecord)> ManagedProduceAsync(string bootstrap, string topic, int count, Acks acks)
    {
        var result = await PeerRun.ThroughputAsync(LogBus, count, async () =>
        {
            await using (var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = bootstrap }))
            {
                await admin.CreateTopicAsync(topic, 1);
            }
            await using var producer = new KafkaProducer(new KafkaProducerOptions
            {
                BootstrapServers = bootstrap,
                Acks = acks,
                EnableIdempotence = acks == Acks.All,
                BatchSize = 256 * 1024,
                MaxRequestSize = 1024 * 1024,
                BufferMemory = 64L * 1024 * 1024,
            });
            await producer.WhenReady;
            var value = new byte[100];
            Random.Shared.NextBytes(value);
            await producer.ProduceAsync(new OutgoingRecord(topic, null, value, RecordHeaders.Empty)); // metadata primed, off the record
            const int window = 50_000;
            var windows = new Queue<ValueTask<DeliveryResult>[]>();
            var meter = RunMeter.Start();
            for (var produced = 0; produced < count; produced += window)
            {
                var slice = new ValueTask<DeliveryResult>[Math.Min(window, count - produced)];
                for (var i = 0; i < slice.Length; i++)
                {
                    slice[i] = producer.ProduceAsync(new OutgoingRecord(topic, null, value, RecordHeaders.Empty));
                }
                windows.Enqueue(slice);
                if (windows.Count > 4)
                {
                    await AwaitAllAsync(windows.Dequeue());
                }
            }
            while (windows.Count > 0)
            {
                await AwaitAllAsync(windows.Dequeue());
            }
            return meter.Stop(count);
        });
        // Record batch v2: 61-byte header per batch; a 100-byte record with no key or headers takes 8-9 bytes of framing.
        return (result, 100 + 9 + (61.0 * 100 / (256 * 1024)));
    }

    private static async Task AwaitAllAsync(ValueTask<DeliveryResult>[] results)
    {
        foreach (var result in results)
        {
            if ((await result).Offset < 0)
            {
                throw new InvalidOperationException("a record was acknowledged without an offset");
            }
        }
    }

    private static async Task<(double Seconds, RunProfile Profile)> ConsumeAsync(string bootstrap, string topic, int count)
    {
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions
        {
            BootstrapServers = bootstrap,
            MaxPollRecords = 10_000,
            MaxPartitionFetchBytes = 1024 * 1024,
            PrefetchBytesPerPartition = 2 * 1024 * 1024,
        });
        var partition = new TopicPartition(topic, 0);
        consumer.Assign([partition]);
        // Off the record: connect, look the partition up and take a first fetch (RabbitMQ's connection is
        // open before its run too); then rewind to offset 0 and time reading all of them.
        if ((await consumer.FetchAsync(TimeSpan.FromSeconds(5), CancellationToken.None)).Count == 0)
        {
            throw new InvalidOperationException($"no records in {topic}");
        }
        consumer.Seek(new TopicPartitionOffset(topic, 0, 0));
        long read = 0, bytes = 0;
        var meter = RunMeter.Start();
        while (read < count)
        {
            var records = await consumer.FetchAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            if (records.Count == 0)
            {
                throw new InvalidOperationException($"no records for 5 s after {read.ToString("N0", CultureInfo.InvariantCulture)}");
            }
            foreach (var record in records)
            {
                bytes += record.Value.Length;
            }
            read += records.Count;
        }
        GC.KeepAlive(bytes);
        return meter.Stop(count);
    }
}
