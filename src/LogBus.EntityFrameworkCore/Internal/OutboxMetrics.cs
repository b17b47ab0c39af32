using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LogBus.Internal;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Outbox instruments on the <c>LogBus</c> meter: depth, age of the oldest undelivered row, parked rows
/// (observable, refreshed by each relay every few seconds), delivered rows and commit-to-log latency.
/// </summary>
internal static class OutboxMetrics
{
    private static readonly ConcurrentDictionary<object, (long Pending, long? OldestMs, long Parked)> s_statistics = new();

    private static readonly Counter<long> s_delivered = LogBusDiagnostics.Meter.CreateCounter<long>(
        "logbus.outbox.delivered", "{message}", "Outbox rows appended to the log.");

    private static readonly Histogram<double> s_latency = LogBusDiagnostics.Meter.CreateHistogram<double>(
        "logbus.outbox.delivery_latency", "ms", "Time from Publish to the log's acknowledgement of an outbox row.");

    static OutboxMetrics()
    {
        LogBusDiagnostics.Meter.CreateObservableGauge("logbus.outbox.depth", () => s_statistics.Values.Select(s => s.Pending).DefaultIfEmpty().Max(),
            "{message}", "Outbox rows waiting for delivery.");
        LogBusDiagnostics.Meter.CreateObservableGauge("logbus.outbox.oldest_age", () =>
            {
                var oldest = s_statistics.Values.Where(s => s.OldestMs is not null).Select(s => s.OldestMs!.Value).DefaultIfEmpty(long.MaxValue).Min();
                return oldest == long.MaxValue ? 0.0 : Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - oldest) / 1000.0;
            },
            "s", "Age of the oldest undelivered outbox row.");
        LogBusDiagnostics.Meter.CreateObservableGauge("logbus.outbox.parked", () => s_statistics.Values.Select(s => s.Parked).DefaultIfEmpty().Max(),
            "{message}", "Outbox rows parked after failed deliveries.");
    }

    public static void Report(object relay, (long Pending, long? OldestCreatedAtMs, long Parked) statistics) => s_statistics[relay] = statistics;

    public static void Forget(object relay) => s_statistics.TryRemove(relay, out _);

    public static void Delivered(long latencyMs)
    {
        s_delivered.Add(1);
        if (s_latency.Enabled)
        {
            s_latency.Record(latencyMs);
        }
    }
}
