using System.Diagnostics;
using LogBus.EntityFrameworkCore;
using LogBus.Testing;
using LogBus.Transport.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Benchmarks.Outbox;

/// <summary>
/// The EF Core outbox on a real PostgreSQL (durable settings): relay throughput draining a backlog, and
/// commit-to-consumer latency percentiles at a fixed offered rate of 1,000 messages/s.
/// Targets (issue 8): relay ≥ 50,000 messages/s sustained; latency p50 ≤ 5 ms and p99 ≤ 50 ms at 1,000/s.
/// </summary>
internal sealed class OutboxBenchmark : IBenchmark
{
    public string Name => "outbox";

    public string Description => "EF Core outbox on PostgreSQL: relay throughput and commit-to-log latency (--transport embedded|inmemory) [--json FILE]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var backlog = options.Int("--backlog", options.Quick ? 100_000 : 300_000);
        var rate = options.Int("--rate", 1000);
        var seconds = options.Int("--seconds", options.Quick ? 5 : 15);
        var transport = options.String("--transport", "embedded");

        Console.WriteLine("outbox: starting PostgreSQL (durable settings)...");
        await using var postgres = await PostgresServer.StartAsync(durable: true);
        var connectionString = await postgres.CreateDatabaseAsync("outbox_bench");
        await using (var db = Open(connectionString))
        {
            await db.Database.EnsureCreatedAsync();
        }
        Console.WriteLine($"outbox: PostgreSQL {(postgres.Owned ? "started" : "external")}, transport {transport}");

        var throughput = await MeasureThroughputAsync(connectionString, backlog, transport);
        // The drained backlog leaves dead rows at the front of the sequence index until (auto)vacuum removes
        // them; every relay read walks them meanwhile. Autovacuum would do this within its naptime (1 min);
        // the latency phase measures the steady state, so vacuum now.
        await using (var db = Open(connectionString))
        {
            await db.Database.ExecuteSqlRawAsync("VACUUM logbus_outbox");
        }
        var (p50, p99, p999, delivered) = await MeasureLatencyAsync(connectionString, rate, seconds, transport);

        try
        {
            Directory.Delete(EmbeddedDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        Console.WriteLine();
        Console.WriteLine($"outbox relay throughput: {throughput,10:N0} msg/s   target >= 50,000: {(throughput >= 50_000 ? "MET" : "MISSED")}");
        Console.WriteLine($"commit-to-consumer latency at {rate:N0} msg/s ({delivered:N0} messages): p50 {p50:F2} ms (target <= 5: {(p50 <= 5 ? "MET" : "MISSED")}), " +
            $"p99 {p99:F2} ms (target <= 50: {(p99 <= 50 ? "MET" : "MISSED")}), p99.9 {p999:F2} ms");
        if (options.String("--json", "") is { Length: > 0 } json)
        {
            OutboxResults.Write(json, options.Quick, transport, backlog, throughput, rate, seconds, (p50, p99, p999, delivered));
        }
        return 0;
    }

    /// <summary>Fills the outbox with the relay off, then times a relay draining it to the log.</summary>
    private static async Task<double> MeasureThroughputAsync(string connectionString, int backlog, string transport)
    {
        var broker = new InMemoryBroker(new InMemoryBrokerOptions { RetentionRecordsPerPartition = 10_000_000, RetentionBytesPerPartition = 4L << 30 });
        Console.WriteLine($"outbox: writing a backlog of {backlog:N0} messages (relay off)...");
        using (var writer = await StartAsync(connectionString, broker, relay: false, transport, consumer: false))
        {
            var perTask = backlog / 4;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
            {
                for (var done = 0; done < perTask; done += 1000)
                {
                    await using var scope = writer.Services.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<OutboxBenchContext>();
                    var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
                    for (var i = 0; i < 1000; i++)
                    {
                        await publisher.Publish(new BenchEvent(t * perTask + done + i, $"key-{(done + i) % 1000}", 0));
                    }
                    await db.SaveChangesAsync();
                }
            })));
            await writer.StopAsync();
        }
        var total = backlog / 4 * 4;
        Console.WriteLine("outbox: draining with one relay...");
        long delivered = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "LogBus" && instrument.Name == "logbus.outbox.delivered")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref delivered, value));
        listener.Start();
        var stopwatch = Stopwatch.StartNew();
        using var relay = await StartAsync(connectionString, broker, relay: true, transport, consumer: false);
        while (Interlocked.Read(ref delivered) < total)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"relay delivered {Interlocked.Read(ref delivered):N0} of {total:N0} in 5 minutes");
            }
            await Task.Delay(5);
        }
        stopwatch.Stop();
        await relay.StopAsync();
        return total / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Publishes one message per transaction at a fixed rate; a consumer records commit-to-handler latency.</summary>
    private static async Task<(double P50, double P99, double P999, int Count)> MeasureLatencyAsync(string connectionString, int rate, int seconds, string transport)
    {
        var broker = new InMemoryBroker();
        var latencies = new LatencyRecorder();
        using var host = await StartAsync(connectionString, broker, relay: true, transport, consumer: true, latencies);
        // Warm up until the path flows end to end (topics created, the consumer joined its group and got
        // its partitions): on the embedded broker the first join takes a while and is not steady state.
        const int probes = 8;
        for (var k = 0; k < probes; k++)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var id = 900_000_000 + k;
            await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(new BenchEvent(id, $"key-{k}", 0));
            await scope.ServiceProvider.GetRequiredService<OutboxBenchContext>().SaveChangesAsync();
            latencies.Committed(id, Stopwatch.GetTimestamp(), measured: false);
        }
        await latencies.WaitForAsync(probes, TimeSpan.FromMinutes(1));
        Console.WriteLine($"outbox: publishing {rate:N0} msg/s for {seconds} s, one message per transaction...");
        var publishers = 8;
        var perPublisher = rate / publishers;
        var count = perPublisher * seconds;
        var warmup = perPublisher; // the first second warms up and is not measured
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < count + warmup; i++)
            {
                var due = start + (long)((i + (p / (double)publishers)) * Stopwatch.Frequency / perPublisher);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                }
                await using var scope = host.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<OutboxBenchContext>();
                var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
                var id = p * 1_000_000 + i;
                await publisher.Publish(new BenchEvent(id, $"key-{id % 1000}", 0));
                await db.SaveChangesAsync();
                latencies.Committed(id, Stopwatch.GetTimestamp(), measured: i >= warmup);
            }
        })));
        await latencies.WaitForAsync(probes + (publishers * (count + warmup)), TimeSpan.FromMinutes(2));
        await host.StopAsync();
        return latencies.Percentiles();
    }

    private static OutboxBenchContext Open(string connectionString) =>
        new(new DbContextOptionsBuilder<OutboxBenchContext>().UseNpgsql(connectionString).Options);

    private static async Task<IHost> StartAsync(string connectionString, InMemoryBroker broker, bool relay, string transport, bool consumer, LatencyRecorder? latencies = null)
    {
        if (transport is not ("inmemory" or "embedded"))
        {
            throw new ArgumentException($"transport '{transport}': use embedded or inmemory");
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "outbox-bench" });
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<OutboxBenchContext>(o => o.UseNpgsql(connectionString));
        if (latencies is not null)
        {
            builder.Services.AddSingleton(latencies);
        }
        builder.Services.AddLogBus(bus =>
        {
            bus.Message<BenchEvent>(m => m.Key(e => e.Key).Partitions(8));
            bus.AddEntityFrameworkOutbox<OutboxBenchContext>(o =>
            {
                o.UsePostgres();
                o.RelayEnabled = relay;
            });
            if (consumer)
            {
                bus.AddConsumer<LatencyConsumer>();
            }
            if (transport == "embedded")
            {
                bus.UsingEmbeddedBroker(b =>
                {
                    // The latency phase gets a log of its own: its consumer must not first read the
                    // throughput phase's backlog (same topic, colliding ids).
                    b.DataDirectory = Path.Combine(EmbeddedDirectory, consumer ? "latency" : "throughput");
                    b.Port = EmbeddedPort;
                    b.ConfigureBroker = o => o.DefaultPartitions = 8;
                });
            }
            else
            {
                bus.UsingInMemory(o => o.Broker = broker);
            }
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // One embedded broker data directory and port for the whole run (hosts start and stop in turn).
    private static readonly string EmbeddedDirectory = Path.Combine(Path.GetTempPath(), "logbus-outbox-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly int EmbeddedPort = FreePort.Next();

    /// <summary>The benchmark message.</summary>
    public sealed record BenchEvent(int Id, string Key, long Ticks);

    /// <summary>Records when each message reached a handler.</summary>
    public sealed class LatencyConsumer(LatencyRecorder latencies) : IConsumer<BenchEvent>
    {
        public Task Consume(ConsumeContext<BenchEvent> context)
        {
            latencies.Received(context.Message.Id, Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        }
    }
}
