using System.Diagnostics;
using System.Diagnostics.Metrics;
using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// The bus's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>LogBus</c>, which
/// OpenTelemetry users subscribe to. Instruments follow the OpenTelemetry messaging conventions where
/// they fit.
/// </summary>
internal static class LogBusDiagnostics
{
    public const string Name = "LogBus";

    public static readonly ActivitySource Source = new(Name, typeof(LogBusDiagnostics).Assembly.GetName().Version?.ToString());
    public static readonly Meter Meter = new(Name, typeof(LogBusDiagnostics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Published = Meter.CreateCounter<long>("logbus.messages.published", "{message}", "Messages accepted by the transport.");
    public static readonly Counter<long> PublishFailed = Meter.CreateCounter<long>("logbus.messages.publish_failed", "{message}", "Messages the transport refused.");
    public static readonly Counter<long> Consumed = Meter.CreateCounter<long>("logbus.messages.consumed", "{message}", "Messages handled successfully.");
    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("logbus.messages.failed", "{attempt}", "Handler attempts that threw.");
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("logbus.messages.dead_lettered", "{message}", "Messages moved to a dead-letter topic (or skipped when dead-lettering is off).");
    public static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>("logbus.consume.duration", "ms", "Duration of handler attempts.");

    public static Activity? StartPublish(string topic)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var activity = Source.StartActivity(topic + " publish", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "logbus");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", topic);
        }
        return activity;
    }

    public static Activity? StartConsume(LogRecord record, string groupId)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext parent = default;
        if (record.Headers.TryGetValue(HeaderNames.TraceParent, out var traceParent))
        {
            ActivityContext.TryParse(System.Text.Encoding.UTF8.GetString(traceParent.Span), null, out parent);
        }
        var activity = Source.StartActivity(record.Topic + " process", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "logbus");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", record.Topic);
            activity.SetTag("messaging.destination.partition.id", record.Partition);
            activity.SetTag("messaging.kafka.offset", record.Offset);
            activity.SetTag("messaging.consumer.group.name", groupId);
        }
        return activity;
    }

    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }
}
