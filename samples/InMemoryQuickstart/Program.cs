// InMemoryQuickstart: publishes orders over many keys through the in-memory log and checks that each one
// reaches the consumer exactly once and in per-key order, and that a poison message is retried and then
// dead-lettered with its failure headers while everything else is handled.
//
//   dotnet run --project samples/InMemoryQuickstart [-- --messages 100000 --keys 1000 --partitions 8]
//
// Exit code 0 when every check holds, 1 otherwise.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LogBus;
using LogBus.Transport.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quickstart;

var messages = Option("--messages", 100_000);
var keys = Option("--keys", 1_000);
var partitions = Option("--partitions", 8);
var poisonIndex = messages / 2;

var broker = new InMemoryBroker();
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("LogBus", LogLevel.Critical); // the poison message's errors are expected
var tracker = new OrderTracker();
builder.Services.AddSingleton(tracker);
builder.Services.AddLogBusTestHarness();
builder.Services.AddLogBus(bus =>
{
    bus.ServiceName = "quickstart";
    bus.Message<OrderPlaced>(m => m.Topic("orders").Key(o => o.CustomerId).Partitions(partitions));
    bus.AddConsumer<OrderPlacedConsumer>(c => c.Retry = RetryPolicy.Exponential(3, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)));
    bus.UsingInMemory(o => o.Broker = broker);
});
using var host = builder.Build();
await host.StartAsync();

var stopwatch = Stopwatch.StartNew();
using (var scope = host.Services.CreateScope())
{
    var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
    var perKey = new int[keys];
    for (var i = 0; i < messages; i++)
    {
        var key = i % keys;
        await publisher.Publish(new OrderPlaced(i, $"customer-{key}", perKey[key]++, Poison: i == poisonIndex));
    }
}
var harness = host.Services.GetRequiredService<ITestHarness>();
await harness.WaitForIdle(TimeSpan.FromMinutes(5));
var elapsed = stopwatch.Elapsed;
await host.StopAsync();

// Checks.
var failures = new List<string>();
var handled = tracker.Handled.ToList();
Check(handled.Count == messages - 1, $"handled {handled.Count} messages, expected {messages - 1}");
Check(handled.Select(h => h.OrderId).Distinct().Count() == handled.Count, "some message was handled more than once");
Check(!handled.Any(h => h.OrderId == poisonIndex), "the poison message was reported handled");
var outOfOrder = handled.GroupBy(h => h.CustomerId).Count(g => !g.Select(h => h.Sequence).SequenceEqual(g.Select(h => h.Sequence).Order()));
Check(outOfOrder == 0, $"{outOfOrder} key(s) saw their messages out of order");
Check(tracker.Attempts.TryGetValue(poisonIndex, out var poisonAttempts) && poisonAttempts == 4, $"poison message attempts: {poisonAttempts}, expected 4 (1 + 3 retries)");

var deadLetters = Enumerable.Range(0, broker.GetPartitionCount("orders.dead-letter"))
    .SelectMany(p => broker.Read("orders.dead-letter", p, 0, 100))
    .ToList();
Check(deadLetters.Count == 1, $"{deadLetters.Count} dead letters, expected 1");
if (deadLetters.Count == 1)
{
    var dead = deadLetters[0];
    var headers = dead.Headers;
    Check(Encoding.UTF8.GetString(dead.Key!.Value.Span) == $"customer-{poisonIndex % keys}", "dead letter lost its key");
    Check(Encoding.UTF8.GetString(dead.Value.Span).Contains($"\"orderId\":{poisonIndex}", StringComparison.Ordinal), "dead letter lost its value");
    Check(headers.GetString(HeaderNames.FailureReason) == "handler-failed", "failure-reason header");
    Check(headers.GetString(HeaderNames.FailureExceptionType) == typeof(InvalidOperationException).FullName, "failure-exception-type header");
    Check(headers.GetString(HeaderNames.FailureExceptionMessage)?.Contains("poison", StringComparison.Ordinal) == true, "failure-exception-message header");
    Check(headers.GetString(HeaderNames.FailureAttempts) == "4", "failure-attempts header");
    Check(headers.GetString(HeaderNames.FailureSourceTopic) == "orders", "failure-source-topic header");
    Check(headers.GetString(HeaderNames.FailureSourceOffset) is not null, "failure-source-offset header");
    Check(headers.GetString(HeaderNames.MessageType) == typeof(OrderPlaced).FullName, "original message-type header kept");
    Console.WriteLine($"dead letter: {headers.GetString(HeaderNames.FailureSourceTopic)}[{headers.GetString(HeaderNames.FailureSourcePartition)}]@{headers.GetString(HeaderNames.FailureSourceOffset)} " +
        $"after {headers.GetString(HeaderNames.FailureAttempts)} attempts: {headers.GetString(HeaderNames.FailureExceptionType)}: {headers.GetString(HeaderNames.FailureExceptionMessage)}");
}

Console.WriteLine($"published {messages:N0} messages over {keys:N0} keys on {partitions} partitions in {elapsed.TotalSeconds:F2} s ({messages / elapsed.TotalSeconds:N0} msg/s)");
Console.WriteLine($"handled {handled.Count:N0} exactly once, {handled.GroupBy(h => h.CustomerId).Count():N0} keys in order, 1 dead-lettered");
foreach (var failure in failures)
{
    Console.WriteLine("FAILED: " + failure);
}
Console.WriteLine(failures.Count == 0 ? "ALL CHECKS PASSED" : $"{failures.Count} CHECK(S) FAILED");
return failures.Count == 0 ? 0 : 1;

void Check(bool condition, string message)
{
    if (!condition)
    {
        failures.Add(message);
    }
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

namespace Quickstart
{
    /// <summary>The message: orders of a customer must be processed in order.</summary>
    public sealed record OrderPlaced(int OrderId, string CustomerId, int Sequence, bool Poison);

    /// <summary>What the consumer saw.</summary>
    public sealed class OrderTracker
    {
        public ConcurrentQueue<OrderPlaced> Handled { get; } = new();
        public ConcurrentDictionary<int, int> Attempts { get; } = new();
    }

    /// <summary>Records orders; the poison order always throws.</summary>
    public sealed class OrderPlacedConsumer(OrderTracker tracker) : IConsumer<OrderPlaced>
    {
        public Task Consume(ConsumeContext<OrderPlaced> context)
        {
            var order = context.Message;
            if (order.Poison)
            {
                tracker.Attempts.AddOrUpdate(order.OrderId, 1, (_, n) => n + 1);
                throw new InvalidOperationException($"order {order.OrderId} is poison");
            }
            tracker.Handled.Enqueue(order);
            return Task.CompletedTask;
        }
    }
}
