// KafkaEmbeddedQuickstart: runs the bundled broker inside the app (UsingEmbeddedBroker), publishes typed
// orders over many keys and checks that each one reaches the consumer exactly once and in per-key order.
// Every run publishes a new batch tagged with a run number; run it again on the same data directory and
// it must consume only its own run's orders: nothing from an earlier run is consumed twice, because the
// consumer group resumes from its committed offsets.
//
//   dotnet run --project samples/KafkaEmbeddedQuickstart [-- --data ./data --port 0 --messages 100000 --keys 1000 --run 1]
//
// Exit code 0 when every check holds, 1 otherwise.
using System.Diagnostics;
using System.Globalization;
using LogBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quickstart;

var messages = Option("--messages", 100_000);
var keys = Option("--keys", 1_000);
var partitions = Option("--partitions", 8);
var port = Option("--port", 0);
var run = Option("--run", 1);
var data = Text("--data", Path.Combine(Path.GetTempPath(), "logbus-quickstart-data"));

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var tracker = new OrderTracker(run);
builder.Services.AddSingleton(tracker);
builder.Services.AddLogBus(bus =>
{
    bus.ServiceName = "quickstart";
    bus.Message<OrderPlaced>(m => m.Topic("orders").Key(o => o.CustomerId).Partitions(partitions));
    bus.AddConsumer<OrderPlacedConsumer>();
    bus.UsingEmbeddedBroker(b =>
    {
        b.DataDirectory = data;
        b.Port = port;
    });
});
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"run {run}: embedded broker with data in {data}; publishing {messages:N0} orders over {keys:N0} keys");

var stopwatch = Stopwatch.StartNew();
using (var scope = host.Services.CreateScope())
{
    var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
    var perKey = new int[keys];
    var batch = new List<OrderPlaced>(1000);
    for (var i = 0; i < messages; i++)
    {
        var key = i % keys;
        batch.Add(new OrderPlaced(run, i, $"customer-{key}", perKey[key]++));
        if (batch.Count == batch.Capacity || i == messages - 1)
        {
            await publisher.PublishBatch(batch);
            batch.Clear();
        }
    }
}
var complete = await tracker.WaitForAsync(messages, TimeSpan.FromMinutes(5));
var elapsed = stopwatch.Elapsed;
await host.StopAsync(); // drains the handlers and commits; then stops the embedded broker

var failures = new List<string>();
var handled = tracker.Handled.ToList();
Check(complete, $"only {handled.Count:N0} of {messages:N0} orders arrived within 5 minutes");
Check(tracker.EarlierRuns == 0, $"{tracker.EarlierRuns:N0} orders of earlier runs were consumed again");
Check(handled.Count == messages, $"handled {handled.Count:N0} orders of this run, expected {messages:N0}");
Check(handled.Select(h => h.OrderId).Distinct().Count() == handled.Count, "some order was handled more than once");
var outOfOrder = handled.GroupBy(h => h.CustomerId).Count(g => !g.Select(h => h.Sequence).SequenceEqual(Enumerable.Range(0, g.Count())));
Check(outOfOrder == 0, $"{outOfOrder} key(s) saw their orders out of order or with gaps");

Console.WriteLine($"run {run}: handled {handled.Count:N0} exactly once, {handled.Select(h => h.CustomerId).Distinct().Count():N0} keys in order, {tracker.EarlierRuns:N0} from earlier runs, in {elapsed.TotalSeconds:F1} s");
foreach (var failure in failures)
{
    Console.WriteLine("FAILED: " + failure);
}
Console.WriteLine(failures.Count == 0 ? "ALL CHECKS PASSED" : "CHECKS FAILED");
return failures.Count == 0 ? 0 : 1;

void Check(bool condition, string failure)
{
    if (!condition)
    {
        failures.Add(failure);
    }
}

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string Text(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

namespace Quickstart
{
    /// <summary>An order; <see cref="Sequence"/> counts the customer's orders within a run.</summary>
    public sealed record OrderPlaced(int Run, int OrderId, string CustomerId, int Sequence);

    /// <summary>Records what the consumer saw.</summary>
    public sealed class OrderTracker(int run)
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expected = int.MaxValue;
        private int _earlierRuns;

        public List<OrderPlaced> Handled { get; } = [];

        public int EarlierRuns => Volatile.Read(ref _earlierRuns);

        public void Record(OrderPlaced order)
        {
            if (order.Run != run)
            {
                Interlocked.Increment(ref _earlierRuns);
                return;
            }
            lock (_gate)
            {
                Handled.Add(order);
                if (Handled.Count >= _expected)
                {
                    _done.TrySetResult();
                }
            }
        }

        public async Task<bool> WaitForAsync(int count, TimeSpan timeout)
        {
            lock (_gate)
            {
                _expected = count;
                if (Handled.Count >= count)
                {
                    return true;
                }
            }
            try
            {
                await _done.Task.WaitAsync(timeout);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary>The typed consumer: one per order, in order per customer (the partition key).</summary>
    public sealed class OrderPlacedConsumer(OrderTracker tracker) : IConsumer<OrderPlaced>
    {
        public Task Consume(ConsumeContext<OrderPlaced> context)
        {
            tracker.Record(context.Message);
            return Task.CompletedTask;
        }
    }
}
