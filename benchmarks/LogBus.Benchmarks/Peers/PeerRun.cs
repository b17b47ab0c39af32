using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Peers;

/// <summary>Runs one system's measurement and turns it into a <see cref="SystemResult"/>; a failure becomes a result without a value and with the error as its note, so one broken peer does not lose the other rows.</summary>
internal static class PeerRun
{
    /// <summary>Throughput result: <paramref name="count"/> messages over the run's seconds.</summary>
    public static async Task<SystemResult> ThroughputAsync(string system, long count, Func<Task<(double Seconds, RunProfile Profile)>> run, string? note = null)
    {
        try
        {
            var (seconds, profile) = await run();
            var result = new SystemResult { System = system, Value = count / seconds, Count = count, Seconds = seconds, Profile = profile, Note = note };
            Print(result, "msg/s");
            return result;
        }
        catch (Exception e)
        {
            Console.WriteLine($"  {system}: FAILED: {e.GetType().Name}: {e.Message}");
            return new SystemResult { System = system, Count = count, Note = $"failed: {e.GetType().Name}: {e.Message}" };
        }
    }

    /// <summary>A copy of <paramref name="result"/> for another row that the same run answers (e.g. AMQP has no publish batching, so one RabbitMQ run serves batch 1 and batch 50).</summary>
    public static SystemResult? Reuse(SystemResult? result, string note) => result is null ? null : new()
    {
        System = result.System,
        Value = result.Value,
        Count = result.Count,
        Seconds = result.Seconds,
        Profile = result.Profile,
        Note = result.Note is null ? note : $"{note}; {result.Note}",
    };

    /// <summary>The garbage collector this process runs with (the same for LogBus and its peers in one workload).</summary>
    public static string GcNote() =>
        $"Both frameworks run in the benchmark process with the {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} garbage collector, " +
        $"{(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Interactive ? "concurrent (.NET's default for applications)" : "non-concurrent")}.";

    /// <summary>Prints one result line.</summary>
    public static void Print(SystemResult result, string unit)
    {
        var p = result.Profile;
        var server = p?.ServerCpuUsPerMessage is { } s ? $" + server {s:F2}" : "";
        Console.WriteLine($"  {result.System,-34} {result.Value,14:N0} {unit}   ({result.Count:N0} in {result.Seconds:F2} s; CPU us/msg {p?.CpuUsPerMessage:F2}{server}; {p?.AllocatedBytesPerMessage:F0} B alloc/msg; load {p?.LoadAverage:F1})");
    }
}
