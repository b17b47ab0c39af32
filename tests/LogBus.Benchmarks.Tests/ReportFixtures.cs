using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Tests;

/// <summary>Small results documents shaped like the workloads' output.</summary>
internal static class ReportFixtures
{
    public static BenchmarkResults Limits(double diskBytesPerSecond = 1e9, double fsyncPerSecond = 250, double loopbackBytesPerSecond = 2e9) => new()
    {
        Workload = "limits",
        Title = "Machine limits",
        Mode = "quick",
        Systems = { ["machine"] = "this machine" },
        Rows =
        {
            Row("disk-write", "disk", "B/s", diskBytesPerSecond),
            Row("fsync", "fsync", "fsync/s", fsyncPerSecond),
            Row("loopback", "loopback", "B/s", loopbackBytesPerSecond),
        },
    };

    public static BenchmarkResults Broker(double logBus, double stream, double logBusCpuUs = 1, double streamClientCpuUs = 5, double streamServerCpuUs = 10) => new()
    {
        Workload = "broker",
        Title = "Broker throughput",
        Mode = "quick",
        Systems = { ["LogBus"] = "LogBus broker", ["RabbitMQ stream"] = "stream queue" },
        Rows =
        {
            new ResultRow
            {
                Id = "produce-200-b50-acked",
                Case = "produce 200 B, batch 50",
                Durability = "acknowledged in the page cache",
                Limit = "disk-write",
                LimitBytesPerUnit = 250,
                Results =
                {
                    new SystemResult { System = "LogBus", Value = logBus, Count = 1000, Seconds = 1000 / logBus, Profile = new RunProfile { CpuUsPerMessage = logBusCpuUs, LoadAverage = 3 } },
                    new SystemResult { System = "RabbitMQ stream", Value = stream, Count = 1000, Seconds = 1000 / stream, Profile = new RunProfile { CpuUsPerMessage = streamClientCpuUs, ServerCpuUsPerMessage = streamServerCpuUs } },
                },
            },
        },
        Targets = { new TargetSpec { Name = "broker produce >= 5x RabbitMQ stream", Row = "produce-200-b50-acked", Peer = "RabbitMQ stream", Op = ">=", Ratio = 5 } },
        Notes = { "one partition against one queue" },
    };

    public static BenchmarkResults Latency(double logBusP99, double peerP50, bool peerSaturated = false) => new()
    {
        Workload = "latency",
        Title = "End-to-end latency",
        Mode = "quick",
        Rows =
        {
            new ResultRow
            {
                Id = "latency-10000-p50", Case = "p50 at 10,000 msg/s", Unit = "ms", HigherIsBetter = false,
                Results = { new SystemResult { System = "LogBus", Value = 1 }, new SystemResult { System = "MassTransit RabbitMQ", Value = peerP50, Saturated = peerSaturated } },
            },
            new ResultRow
            {
                Id = "latency-10000-p99", Case = "p99 at 10,000 msg/s", Unit = "ms", HigherIsBetter = false, Limit = "fsync",
                Results = { new SystemResult { System = "LogBus", Value = logBusP99 }, new SystemResult { System = "MassTransit RabbitMQ", Value = peerP50 * 3 } },
            },
        },
        Targets = { new TargetSpec { Name = "LogBus p99 <= MassTransit p50", Row = "latency-10000-p99", Peer = "MassTransit RabbitMQ", PeerRow = "latency-10000-p50", Op = "<=", Ratio = 1 } },
    };

    private static ResultRow Row(string id, string title, string unit, double value) => new()
    {
        Id = id,
        Case = title,
        Unit = unit,
        Results = { new SystemResult { System = "machine", Value = value } },
    };
}
