using System.Collections.Concurrent;
using System.Text;
using LogBus.Transport;
using LogBus.Transport.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LogBus.Tests.Bus;

public class ConsumingTests
{
    public sealed class RecordingConsumer(Recorder recorder) : IConsumer<Ping>
    {
        public Task Consume(ConsumeContext<Ping> context)
        {
            recorder.Contexts.Enqueue(context);
            recorder.Messages.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    /// <summary>Replies to each Ping with a Pong through the context, and a second one through an injected publisher.</summary>
    public sealed class ReplyingConsumer(IPublisher publisher) : IConsumer<Ping>
    {
        public async Task Consume(ConsumeContext<Ping> context)
        {
            await context.Publish(new Pong(Guid.NewGuid(), context.Message.Sequence));
            await publisher.Publish(new Pong(Guid.NewGuid(), -context.Message.Sequence));
        }
    }

    public sealed class PongConsumer(Recorder recorder) : IConsumer<Pong>
    {
        public Task Consume(ConsumeContext<Pong> context)
        {
            recorder.Contexts.Enqueue(context);
            return Task.CompletedTask;
        }
    }

    public sealed class GatedConsumer(Recorder recorder, Gates gates) : IConsumer<Ping>
    {
        public async Task Consume(ConsumeContext<Ping> context)
        {
            recorder.Enter();
            try
            {
                recorder.Messages.Enqueue(context.Message);
                await gates.For(context.Message.Key).Task.WaitAsync(context.CancellationToken);
            }
            finally
            {
                recorder.Exit();
            }
        }
    }

    public sealed class Gates
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
        public TaskCompletionSource For(string key) => _gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public sealed class AlwaysFails : IConsumer<Ping>
    {
        public Task Consume(ConsumeContext<Ping> context) => throw new InvalidOperationException("boom " + context.Message.Sequence);
    }

    public sealed class SlowConsumer(Recorder recorder) : IConsumer<Ping>
    {
        public async Task Consume(ConsumeContext<Ping> context)
        {
            await Task.Delay(1);
            recorder.Messages.Enqueue(context.Message);
        }
    }

    [Fact]
    public async Task Correlation_and_causation_flow_into_what_a_handler_publishes()
    {
        var recorder = new Recorder();
        await using var host = await TestBus.StartAsync(bus => bus.AddConsumer<ReplyingConsumer>().AddConsumer<PongConsumer>(), recorder: recorder);
        var correlation = Guid.NewGuid();
        await host.PublishAsync(new Ping("k", 5), headers: new Dictionary<string, string> { [HeaderNames.CorrelationId] = correlation.ToString() });
        await host.Harness.WaitForIdle(TestBus.Timeout);

        var ping = Assert.Single(host.Harness.Consumed<Ping>());
        var pongs = recorder.Contexts.ToList();
        Assert.Equal(2, pongs.Count);
        foreach (var pong in pongs)
        {
            Assert.Equal(ping.MessageId, pong.CausationId);
            Assert.Equal(ping.Context!.ConversationId, pong.ConversationId);
            Assert.Equal(ping.MessageId, pong.ConversationId); // the ping started the conversation
        }
        // Pong has its own CorrelationId property, which wins over the inherited one.
        Assert.All(pongs, p => Assert.NotEqual(correlation, p.CorrelationId));
        Assert.Equal(correlation, ping.Context!.CorrelationId);
    }

    [Fact]
    public async Task The_context_exposes_position_key_headers_and_timestamps()
    {
        var recorder = new Recorder();
        await using var host = await TestBus.StartAsync(bus => bus.Message<Ping>(m => m.Key(p => p.Key).Partitions(1)).AddConsumer<RecordingConsumer>(), recorder: recorder);
        await host.PublishAsync(new Ping("alpha", 1));
        await host.PublishAsync(new Ping("beta", 2));
        await host.Harness.WaitForIdle(TestBus.Timeout);
        var contexts = recorder.Contexts.ToList();
        Assert.Equal(["alpha", "beta"], contexts.Select(c => c.Key));
        Assert.Equal([0L, 1L], contexts.Select(c => c.Offset));
        Assert.All(contexts, c =>
        {
            Assert.Equal("ping", c.Topic);
            Assert.Equal(0, c.Partition);
            Assert.Equal(1, c.Attempt);
            Assert.Equal("tests.recording-consumer", c.GroupId);
            Assert.Equal(typeof(Ping).FullName, c.MessageType);
            Assert.NotNull(c.SentTime);
            Assert.True(c.Headers.Count >= 5);
        });
    }

    [Fact]
    public async Task Key_concurrency_runs_different_keys_at_once_and_keeps_each_key_in_order()
    {
        var recorder = new Recorder();
        var gates = new Gates();
        await using var host = await TestBus.StartAsync(
            bus => bus.Message<Ping>(m => m.Key(p => p.Key).Partitions(1)).AddConsumer<GatedConsumer>(c => c.Concurrency = 4),
            recorder: recorder, services: s => s.AddSingleton(gates));
        await host.PublishAsync(new Ping("a", 1));
        await host.PublishAsync(new Ping("a", 2));
        await host.PublishAsync(new Ping("b", 1));
        await host.PublishAsync(new Ping("c", 1));

        // a1, b1 and c1 run together while a2 waits behind a1, all on one partition.
        await WaitUntilAsync(() => recorder.Messages.Count == 3);
        Assert.Equal(3, recorder.MaxRunning);
        Assert.DoesNotContain(recorder.Messages, m => m is Ping { Key: "a", Sequence: 2 });
        gates.For("b").SetResult();
        gates.For("c").SetResult();
        gates.For("a").SetResult();
        await host.Harness.WaitForIdle(TestBus.Timeout);
        var aOrder = recorder.Messages.OfType<Ping>().Where(p => p.Key == "a").Select(p => p.Sequence);
        Assert.Equal([1, 2], aOrder);
    }

    [Fact]
    public async Task In_order_mode_handles_one_message_of_a_partition_at_a_time()
    {
        var recorder = new Recorder();
        var gates = new Gates();
        await using var host = await TestBus.StartAsync(
            bus => bus.Message<Ping>(m => m.Key(p => p.Key).Partitions(1)).AddConsumer<GatedConsumer>(),
            recorder: recorder, services: s => s.AddSingleton(gates));
        await host.PublishAsync(new Ping("a", 1));
        await host.PublishAsync(new Ping("b", 1));
        await WaitUntilAsync(() => recorder.Messages.Count == 1);
        gates.For("a").SetResult();
        await WaitUntilAsync(() => recorder.Messages.Count == 2);
        gates.For("b").SetResult();
        await host.Harness.WaitForIdle(TestBus.Timeout);
        Assert.Equal(1, recorder.MaxRunning);
    }

    [Fact]
    public async Task Graceful_shutdown_drains_the_handler_in_flight_then_commits()
    {
        var broker = new InMemoryBroker();
        var recorder = new Recorder();
        var gates = new Gates();
        var host = await TestBus.StartAsync(
            bus => bus.Message<Ping>(m => m.Partitions(1)).AddConsumer<GatedConsumer>(),
            broker, recorder, s => s.AddSingleton(gates));
        await host.PublishAsync(new Ping("a", 1));
        await WaitUntilAsync(() => recorder.Messages.Count == 1);

        var stopping = host.StopAsync();
        await Task.Delay(100);
        Assert.False(stopping.IsCompleted, "stop must wait for the handler in flight");
        gates.For("a").SetResult();
        await stopping.WaitAsync(TestBus.Timeout);
        Assert.Equal(1, broker.GetCommittedOffset("tests.gated-consumer", "ping", 0));
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Handlers_that_outlive_the_shutdown_timeout_are_cancelled_and_not_committed()
    {
        var broker = new InMemoryBroker();
        var recorder = new Recorder();
        var host = await LogBus.Transport.Compliance.BusHost.StartAsync(
            bus =>
            {
                bus.ServiceName = "tests";
                bus.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
                bus.Message<Ping>(m => m.Partitions(1)).AddConsumer<GatedConsumer>();
                bus.UsingInMemory(o => o.Broker = broker);
            },
            s => s.AddSingleton(recorder).AddSingleton(new Gates()));
        await host.PublishAsync(new Ping("never", 1));
        await WaitUntilAsync(() => recorder.Messages.Count == 1);
        await host.StopAsync().WaitAsync(TestBus.Timeout);
        Assert.Null(broker.GetCommittedOffset("tests.gated-consumer", "ping", 0));
        await host.DisposeAsync();
    }

    [Fact]
    public async Task With_dead_lettering_off_a_failing_message_is_skipped_and_reported()
    {
        var broker = new InMemoryBroker();
        await using var host = await TestBus.StartAsync(bus => bus.AddConsumer<AlwaysFails>(c =>
        {
            c.DeadLetter = false;
            c.Retry = RetryPolicy.Immediate(1);
        }), broker);
        await host.PublishAsync(new Ping("k", 1));
        await host.Harness.WaitForIdle(TestBus.Timeout);
        var faulted = Assert.Single(host.Harness.Faulted<Ping>());
        Assert.Equal("boom 1", faulted.Exception!.Message);
        Assert.Equal(2, faulted.Context!.Attempt);
        Assert.DoesNotContain("ping.dead-letter", broker.Topics);
    }

    [Fact]
    public async Task A_full_buffer_pauses_the_partition_and_everything_still_arrives_in_order()
    {
        var recorder = new Recorder();
        await using var host = await TestBus.StartAsync(
            bus => bus.Message<Ping>(m => m.Partitions(2).Key(p => p.Key)).AddConsumer<SlowConsumer>(c => c.PrefetchPerPartition = 4),
            recorder: recorder);
        using (var scope = host.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IPublisher>().PublishBatch(Enumerable.Range(0, 300).Select(i => new Ping("k" + (i % 3), i)));
        }
        await host.Harness.WaitForIdle(TestBus.Timeout);
        var received = recorder.Messages.OfType<Ping>().ToList();
        Assert.Equal(300, received.Count);
        foreach (var key in received.GroupBy(p => p.Key))
        {
            Assert.Equal(key.Select(p => p.Sequence).Order(), key.Select(p => p.Sequence));
        }
    }

    [Fact]
    public async Task A_consumer_skips_other_known_types_on_its_topic_and_reads_records_without_type_header()
    {
        var broker = new InMemoryBroker();
        var recorder = new Recorder();
        await using var host = await TestBus.StartAsync(
            bus => bus.Message<Ping>(m => m.Topic("shared").Partitions(1)).Message<Other>(m => m.Topic("shared").Partitions(1)).AddConsumer<RecordingConsumer>(),
            broker, recorder);
        await host.PublishAsync(new Other(1));
        await host.PublishAsync(new Ping("k", 1));
        await host.Harness.WaitForIdle(TestBus.Timeout);
        Assert.Equal([1], recorder.Messages.OfType<Ping>().Select(p => p.Sequence));
        Assert.DoesNotContain("shared.dead-letter", broker.Topics);

        // A plain Kafka producer's record (no envelope) on a topic with one type for this consumer.
        broker.CreateTopic("ping", 1);
        await using var second = await TestBus.StartAsync(bus => bus.AddConsumer<RecordingConsumer>(), broker, recorder);
        broker.Append(new OutgoingRecord("ping", null, Encoding.UTF8.GetBytes("{\"key\":\"plain\",\"sequence\":9}"), RecordHeaders.Empty));
        await WaitUntilAsync(() => recorder.Messages.OfType<Ping>().Any(p => p.Key == "plain"));
        var plain = recorder.Contexts.Last();
        Assert.Equal(9, ((ConsumeContext<Ping>)plain).Message.Sequence);
        Assert.Equal(8, plain.MessageId.Version); // derived from the log position
    }

    [Fact]
    public async Task The_health_check_reports_healthy_once_consumers_run()
    {
        await using var host = await TestBus.StartAsync(bus => bus.AddConsumer<RecordingConsumer>());
        var health = host.Services.GetRequiredService<HealthCheckService>();
        HealthReport report;
        var deadline = DateTime.UtcNow + TestBus.Timeout;
        do
        {
            report = await health.CheckHealthAsync();
            if (report.Status == HealthStatus.Healthy)
            {
                break;
            }
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("Running", report.Entries["logbus"].Data["tests.recording-consumer"]);
    }

    [Fact]
    public async Task WaitForIdle_times_out_with_a_description_of_what_is_pending()
    {
        var gates = new Gates();
        await using var host = await TestBus.StartAsync(bus => bus.AddConsumer<GatedConsumer>(), services: s => s.AddSingleton(gates));
        await host.PublishAsync(new Ping("stuck", 1));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => host.Harness.WaitForIdle(TimeSpan.FromMilliseconds(300)));
        Assert.Contains("1 handler(s) running", error.Message, StringComparison.Ordinal);
        Assert.Contains("tests.gated-consumer", error.Message, StringComparison.Ordinal);
        gates.For("stuck").SetResult();
        await host.Harness.WaitForIdle(TestBus.Timeout);
        Assert.Single(host.Harness.Published<Ping>());
        Assert.Single(host.Harness.Consumed<Ping>());
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestBus.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(5);
        }
    }
}
