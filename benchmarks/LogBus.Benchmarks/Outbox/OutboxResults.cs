using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Outbox;

/// <summary>The outbox benchmark's numbers as a results document for the peers report (<c>--json FILE</c>).</summary>
internal static class OutboxResults
{
    public static void Write(string path, bool quick, string transport, int backlog, double throughput, int rate, int seconds, (double P50, double P99, double P999, int Count) latency)
    {
        const string system = "LogBus";
        var durability = "PostgreSQL with its durable defaults (fsync, synchronous_commit=on): a publish is durable when SaveChanges commits; the relay produces with acks=all to the " + transport + " transport";
        SystemResult Latency(double value) => new() { System = system, Value = value, Count = latency.Count, Seconds = seconds, Note = $"{rate:N0} msg/s, one message per transaction" };
        ResultsFile.Write(path, new BenchmarkResults
        {
            Workload = "outbox",
            Title = "Outbox (EF Core on PostgreSQL)",
            Mode = quick ? "quick" : "full",
            Systems = { [system] = $"LogBus EF Core outbox on a throwaway PostgreSQL cluster; relay to the {transport} transport" },
            Rows =
            {
                new ResultRow
                {
                    Id = "outbox-relay",
                    Case = $"relay throughput, draining a backlog of {backlog:N0}",
                    Durability = durability,
                    Results = { new SystemResult { System = system, Value = throughput, Count = backlog, Seconds = backlog / throughput } },
                },
                new ResultRow { Id = "outbox-latency-p50", Case = $"commit-to-handler p50 at {rate:N0} msg/s", Durability = durability, Unit = "ms", HigherIsBetter = false, Limit = "fsync", Results = { Latency(latency.P50) } },
                new ResultRow { Id = "outbox-latency-p99", Case = $"commit-to-handler p99 at {rate:N0} msg/s", Durability = durability, Unit = "ms", HigherIsBetter = false, Limit = "fsync", Results = { Latency(latency.P99) } },
                new ResultRow { Id = "outbox-latency-p999", Case = $"commit-to-handler p99.9 at {rate:N0} msg/s", Durability = durability, Unit = "ms", HigherIsBetter = false, Limit = "fsync", Results = { Latency(latency.P999) } },
            },
            Notes =
            {
                "No peer: MassTransit's transactional outbox needs MassTransit.EntityFrameworkCore, which is not in this package registry, so the outbox is compared with the machine's fsync time only (a commit costs at least one fsync; % of limit = fsync time / measured latency).",
                "Latency runs from SaveChanges returning (the commit) to the consumer's handler call, through the relay (woken by LISTEN/NOTIFY) and the broker.",
            },
        });
    }
}
