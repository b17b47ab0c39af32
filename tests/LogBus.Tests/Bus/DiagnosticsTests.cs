using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;

namespace LogBus.Tests.Bus;

[Collection(nameof(DiagnosticsTests))] // listeners are process-wide
public class DiagnosticsTests
{
    public sealed class Handler(Recorder recorder) : IConsumer<Ping>
    {
        public Task Consume(ConsumeContext<Ping> context)
        {
            recorder.Messages.Enqueue(Activity.Current?.TraceId.ToString() ?? "none");
            return Task.CompletedTask;
        }
    }

    public sealed class Failing : IConsumer<Other>
    {
        public Task Consume(ConsumeContext<Other> context) => throw new InvalidOperationException("nope");
    }

    [Fact]
    public async Task Publish_and_consume_spans_share_one_trace_through_the_traceparent_header()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "LogBus",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var recorder = new Recorder();
        await using var host = await TestBus.StartAsync(bus => bus.Message<Ping>(m => m.Topic("traced")).AddConsumer<Handler>(), recorder: recorder);
        await host.PublishAsync(new Ping("k", 1));
        await host.Harness.WaitForIdle(TestBus.Timeout);

        var publish = Assert.Single(activities, a => a.OperationName == "traced publish");
        var consume = Assert.Single(activities, a => a.OperationName == "traced process");
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal(ActivityKind.Consumer, consume.Kind);
        Assert.Equal(publish.TraceId, consume.TraceId);
        Assert.Equal(publish.SpanId, consume.ParentSpanId);
        Assert.Equal("traced", consume.GetTagItem("messaging.destination.name"));
        Assert.Equal(publish.TraceId.ToString(), Assert.Single(recorder.Messages));
        var record = Assert.Single(host.Harness.Consumed<Ping>()).Context!;
        Assert.Equal(publish.Id, record.Headers.GetString(HeaderNames.TraceParent));
    }

    [Fact]
    public async Task Meters_count_published_consumed_failed_and_dead_lettered_messages_and_time_handlers()
    {
        var measurements = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "LogBus")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (IsOurs(tags))
            {
                measurements.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (IsOurs(tags))
            {
                measurements.AddOrUpdate(instrument.Name + ".count", 1, (_, v) => v + 1);
            }
        });
        listener.Start();

        await using var host = await TestBus.StartAsync(bus => bus
            .Message<Ping>(m => m.Topic("metered-ping"))
            .Message<Other>(m => m.Topic("metered-other"))
            .AddConsumer<Handler>()
            .AddConsumer<Failing>(c => c.Retry = RetryPolicy.Immediate(2)));
        await host.PublishAsync(new Ping("k", 1));
        await host.PublishAsync(new Ping("k", 2));
        await host.PublishAsync(new Other(1));
        await host.Harness.WaitForIdle(TestBus.Timeout);
        listener.RecordObservableInstruments();

        Assert.Equal(3, measurements["logbus.messages.published"]);
        Assert.Equal(2, measurements["logbus.messages.consumed"]);
        Assert.Equal(3, measurements["logbus.messages.failed"]); // 1 attempt + 2 retries
        Assert.Equal(1, measurements["logbus.messages.dead_lettered"]);
        Assert.Equal(5, measurements["logbus.consume.duration.count"]);
    }

    private static bool IsOurs(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "messaging.destination.name" && tag.Value is string topic && topic.StartsWith("metered-", StringComparison.Ordinal) && !topic.EndsWith(".dead-letter", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

public class SerializationTests
{
    public sealed class Handler(Recorder recorder) : IConsumer<Ping>
    {
        public Task Consume(ConsumeContext<Ping> context)
        {
            recorder.Messages.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_source_generated_json_context_serializes_and_deserializes()
    {
        var recorder = new Recorder();
        var broker = new LogBus.Transport.InMemory.InMemoryBroker();
        await using var host = await TestBus.StartAsync(bus => bus.UseSystemTextJson(TestJsonContext.Default).Message<Ping>(m => m.Partitions(1)).AddConsumer<Handler>(), broker, recorder);
        await host.PublishAsync(new Ping("k", 3, "note"));
        await host.Harness.WaitForIdle(TestBus.Timeout);
        Assert.Equal(new Ping("k", 3, "note"), Assert.Single(recorder.Messages));
        // The context's options apply: PascalCase property names, unlike the default camelCase.
        Assert.Contains("\"Sequence\":3", System.Text.Encoding.UTF8.GetString(broker.Read("ping", 0, 0, 1)[0].Value.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_type_missing_from_the_source_generated_context_fails_at_publish()
    {
        await using var host = await TestBus.StartAsync(bus => bus.UseSystemTextJson(TestJsonContext.Default));
        var error = await Assert.ThrowsAsync<MessageSerializationException>(() => host.PublishAsync(new Other(1)));
        Assert.Contains("JsonSerializerContext", error.Message, StringComparison.Ordinal);
    }
}

[JsonSerializable(typeof(Ping))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
