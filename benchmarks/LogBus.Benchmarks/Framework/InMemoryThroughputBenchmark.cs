using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Benchmarks.Framework;

/// <summary>
/// Framework throughput on the in-memory transport: publish → typed no-op handler, small JSON message,
/// measured from the first publish to the last handler call, with allocated bytes per message.
/// Target (issue 2): at least 500,000 messages/s on a 2-core machine; aim for 1,000,000.
/// </summary>
internal sealed class InMemoryThroughputBenchmark : IBenchmark
{
    public string Name => "inmemory";

    public string Description => "framework publish -> no-op handler on the in-memory transport (msg/s, bytes/msg)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var count = options.Int("--messages", options.Quick ? 300_000 : 2_000_000);
        var partitions = options.Int("--partitions", 8);
        var publishers = options.Int("--publishers", 1);
        var rounds = options.Int("--rounds", options.Quick ? 2 : 3);

        var counter = new Counter();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "bench" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(counter);
        builder.Services.AddLogBus(bus =>
        {
            bus.Message<SmallMessage>(m => m.Topic("bench-small").Key(x => x.Id).Partitions(partitions));
            bus.AddConsumer<NoOpConsumer>();
            bus.UsingInMemory(o =>
            {
                // Bounded like a real deployment, large enough that a lagging consumer loses nothing.
                o.BrokerOptions.RetentionRecordsPerPartition = options.Int("--retention", 1_000_000);
                o.BrokerOptions.RetentionBytesPerPartition = 256L * 1024 * 1024;
            });
        });
        using var host = builder.Build();
        await host.StartAsync();

        Console.WriteLine($"inmemory: {count:N0} messages per round, {partitions} partitions, {publishers} publisher task(s), {Environment.ProcessorCount} cores");
        await RunRoundAsync(host, counter, Math.Min(count, 100_000), publishers, print: false); // warm-up (JIT, tiering)
        var best = 0.0;
        for (var round = 1; round <= rounds; round++)
        {
            var gen0 = GC.CollectionCount(0);
            var gen1 = GC.CollectionCount(1);
            var gen2 = GC.CollectionCount(2);
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var (rate, bytes) = await RunRoundAsync(host, counter, count, publishers, print: true);
            var cpuPerMessage = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / count;
            best = Math.Max(best, rate);
            Console.WriteLine($"  round {round}: {rate,12:N0} msg/s   {cpuPerMessage,6:F2} us CPU/msg   {bytes,8:N0} bytes allocated/msg   GCs gen0/1/2: {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}");
        }
        await host.StopAsync();
        var verdict = best >= 1_000_000 ? "MET (and the 1,000,000 aim)" : best >= 500_000 ? "MET" : "MISSED";
        Console.WriteLine($"inmemory: best {best:N0} msg/s; target >= 500,000 msg/s (aim 1,000,000): {verdict}");
        return 0;
    }

    private static async Task<(double Rate, double BytesPerMessage)> RunRoundAsync(IHost host, Counter counter, int count, int publishers, bool print)
    {
        var done = counter.Expect(count);
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var perPublisher = count / publishers;
        var tasks = Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            using var scope = host.Services.CreateScope();
            var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
            var n = p == publishers - 1 ? count - (perPublisher * (publishers - 1)) : perPublisher;
            for (var i = 0; i < n; i++)
            {
                await publisher.Publish(new SmallMessage(i, "order-placed", 42.5m, true));
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await done.WaitAsync(TimeSpan.FromMinutes(5));
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        _ = print;
        return (count / stopwatch.Elapsed.TotalSeconds, (double)allocated / count);
    }

    /// <summary>A small JSON message (about 60 bytes serialized).</summary>
    public sealed record SmallMessage(int Id, string Kind, decimal Amount, bool Express);

    /// <summary>Counts handled messages and completes a round when the expected count is reached.</summary>
    public sealed class Counter
    {
        private long _remaining;
        private TaskCompletionSource _done = new();

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            return _done.Task;
        }

        public void Hit()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>The no-op handler.</summary>
    public sealed class NoOpConsumer(Counter counter) : IConsumer<SmallMessage>
    {
        public Task Consume(ConsumeContext<SmallMessage> context)
        {
            counter.Hit();
            return Task.CompletedTask;
        }
    }
}
