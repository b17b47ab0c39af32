using System.Diagnostics;
using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// End-to-end latency side by side (issue 11, workload 3): publish → handler at fixed offered rates
/// (1k, 10k, 50k messages/s) for LogBus on the embedded broker and MassTransit on RabbitMQ, each with its
/// defaults. A paced publisher (it sleeps, never spins: two shared cores) sends each message at its
/// scheduled time without waiting for the previous publish; latency runs from the scheduled time (so a
/// late publisher counts, no coordinated omission) to the handler call. p50, p99 and p99.9 per rate.
/// </summary>
internal sealed class LatencyPeersBenchmark : IBenchmark
{
    private static readonly int[] Rates = [1_000, 10_000, 50_000];
    private const int MaxOutstandingPublishes = 20_000;
    private static readonly TimeSpan MaxBehindSchedule = TimeSpan.FromSeconds(2);

    public string Name => "latency-peers";

    public string Description => "publish -> handler latency percentiles at 1k/10k/50k msg/s: LogBus embedded vs MassTransit on RabbitMQ [--quick] [--amqp URI] [--server-pid PID] [--json FILE]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArgs(args);
        var quick = options.Quick;
        var amqp = options.String("--amqp", "");
        int? serverPid = options.Int("--server-pid", 0) is > 0 and var pid ? pid : null;
        var seconds = options.Int("--seconds", quick ? 3 : 10);
        var rates = options.String("--rates", string.Join(',', Rates)).Split(',').Select(int.Parse).ToArray();
        Console.WriteLine($"latency-peers: {(quick ? "quick" : "full")}; {seconds} s per rate after a 2 s warm-up at 5,000 msg/s and 1 s of settling per rate; rates {string.Join(", ", rates)} msg/s");

        var results = new BenchmarkResults { Workload = "latency", Title = "End-to-end latency", Mode = quick ? "quick" : "full" };
        var measured = new Dictionary<(string System, int Rate), (SystemResult P50, SystemResult P99, SystemResult P999)>();
        var systems = new List<Func<BusUnderTest>> { LogBusUnderTest.Embedded, LogBusUnderTest.EmbeddedNoLinger };
        if (amqp.Length > 0)
        {
            systems.Add(() => MassTransitUnderTest.RabbitMq(amqp, serverPid));
        }
        foreach (var create in systems)
        {
            await using var bus = create();
            var name = bus.System == "LogBus embedded broker" ? "LogBus" : bus.System;
            results.Systems[name] = bus.Description;
            try
            {
                await bus.StartAsync();
                await RunAtRateAsync(bus, 5_000, 2); // warm-up: JIT, topics/queues, consumer assignment
                int? saturatedAt = null;
                foreach (var rate in rates)
                {
                    if (saturatedAt is { } lower)
                    {
                        // It could not sustain a lower rate: a higher one only measures a longer queue.
                        var skipped = new SystemResult { System = name, Saturated = true, Note = $"not run: saturated at {lower:N0} msg/s already" };
                        measured[(name, rate)] = (skipped, skipped, skipped);
                        Console.WriteLine($"  {name,-22} {rate,7:N0} msg/s: not run (saturated at {lower:N0} msg/s)");
                        continue;
                    }
                    await RunAtRateAsync(bus, rate, 1); // settle at this rate, off the record
                    var m = await MeasureAsync(bus, name, rate, seconds);
                    measured[(name, rate)] = m;
                    if (m.P50.Saturated)
                    {
                        saturatedAt = rate;
                    }
                }
            }
            catch (Exception e)
            {
                Console.WriteLine($"  {bus.System}: FAILED: {e.GetType().Name}: {e.Message}");
                foreach (var rate in rates.Where(r => !measured.ContainsKey((name, r))))
                {
                    var failed = new SystemResult { System = name, Note = $"failed: {e.GetType().Name}: {e.Message}" };
                    measured[(name, rate)] = (failed, failed, failed);
                }
            }
        }

        foreach (var rate in rates)
        {
            foreach (var (label, pick) in new (string, Func<(SystemResult P50, SystemResult P99, SystemResult P999), SystemResult>)[] { ("p50", m => m.P50), ("p99", m => m.P99), ("p99.9", m => m.P999) })
            {
                results.Rows.Add(new ResultRow
                {
                    Id = $"latency-{rate}-{label}",
                    Case = $"{label} at {rate:N0} msg/s",
                    Durability = "each framework's defaults (LogBus: acks=all, page cache; MassTransit: persistent, confirms after fsync)",
                    Unit = "ms",
                    HigherIsBetter = false,
                    Results = measured.Where(m => m.Key.Rate == rate).Select(m => pick(m.Value)).ToList(),
                });
            }
        }
        results.Targets.Add(new TargetSpec
        {
            Name = "LogBus p99 at 10k msg/s <= MassTransit+RabbitMQ p50 at 10k msg/s",
            Row = "latency-10000-p99",
            Peer = "MassTransit RabbitMQ",
            PeerRow = "latency-10000-p50",
            Op = "<=",
            Ratio = 1,
        });
        results.Notes.AddRange(
        [
            $"Each rate runs {seconds} s after a 1 s settling run at the same rate. The publisher sleeps until each message's scheduled time (timer granularity about 1 ms, so messages leave in small bursts at 50k/s) and never waits for a publish to complete unless {MaxOutstandingPublishes:N0} are outstanding. Latency is measured from the scheduled send time to the handler call, in the same process (one clock).",
            PeerRun.GcNote(),
            "LogBus runs with its defaults (the producer lingers up to 5 ms to fill a batch: a floor under its median at low rates) and, as a variant without a ratio, with linger 0. The consumer long-polls the broker, so a record is fetched as soon as it is appended.",
            "A system that cannot sustain the offered rate is marked saturated: its queue grows for the whole run and its percentiles measure that backlog, not its latency at that rate.",
        ]);
        if (options.String("--json", "") is { Length: > 0 } json)
        {
            ResultsFile.Write(json, results);
        }
        return 0;
    }

    private static async Task<(SystemResult P50, SystemResult P99, SystemResult P999)> MeasureAsync(BusUnderTest bus, string name, int rate, int seconds)
    {
        var meter = RunMeter.Start(bus.ServerPid);
        var (handled, total, achieved) = await RunAtRateAsync(bus, rate, seconds);
        var (_, profile) = meter.Stop(total);
        var saturated = handled < total || achieved < rate * 0.9 || total < rate * seconds;
        var (p50, p99, p999) = bus.Latencies.Percentiles(fromIntended: true);
        var (s50, s99, _) = bus.Latencies.Percentiles(fromIntended: false);
        var note = saturated
            ? $"saturated: {total:N0} of {rate * seconds:N0} offered messages sent, {handled:N0} handled, {achieved:N0} msg/s achieved"
            : $"{total:N0} messages; from the actual send: p50 {s50:F2} ms, p99 {s99:F2} ms";
        Console.WriteLine($"  {name,-22} {rate,7:N0} msg/s: p50 {p50,8:F2} ms  p99 {p99,8:F2} ms  p99.9 {p999,8:F2} ms  ({note}; CPU us/msg {profile.CpuUsPerMessage:F1}{(profile.ServerCpuUsPerMessage is { } s ? $" + server {s:F1}" : "")}; load {profile.LoadAverage:F1})");
        SystemResult Make(double value) => new() { System = name, Value = value, Count = handled, Seconds = seconds, Saturated = saturated, Note = note, Profile = profile };
        return (Make(p50), Make(p99), Make(p999));
    }

    /// <summary>
    /// Publishes at <paramref name="rate"/> for <paramref name="seconds"/>; returns (handled, sent, achieved
    /// handler rate). A publisher that falls more than <see cref="MaxBehindSchedule"/> behind its schedule
    /// (the system does not take messages as fast as offered) stops early: the run is saturated.
    /// </summary>
    private static async Task<(int Handled, int Total, double Achieved)> RunAtRateAsync(BusUnderTest bus, int rate, int seconds)
    {
        var total = rate * seconds;
        var done = bus.Latencies.Expect(total);
        var run = bus.Latencies.Run;
        var pending = new Queue<Task>();
        var start = Stopwatch.GetTimestamp();
        var interval = (double)Stopwatch.Frequency / rate;
        var sent = 0;
        for (; sent < total; sent++)
        {
            var due = start + (long)(sent * interval);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }
            if (Stopwatch.GetElapsedTime(due) > MaxBehindSchedule)
            {
                break;
            }
            pending.Enqueue(bus.PublishAsync(new PeerLatencyMessage(run, sent, due, Stopwatch.GetTimestamp(), "order-placed", 42.5m)));
            while (pending.Count > 0 && (pending.Peek().IsCompleted || pending.Count >= MaxOutstandingPublishes))
            {
                await pending.Dequeue();
            }
        }
        while (pending.Count > 0)
        {
            await pending.Dequeue();
        }
        // Let a saturated system drain for a bounded time, then measure what arrived.
        await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(Math.Max(5, seconds))));
        var handled = bus.Latencies.Count;
        var elapsed = (bus.Latencies.LastTicks - start) / (double)Stopwatch.Frequency;
        return (handled, sent, elapsed > 0 ? handled / elapsed : 0);
    }
}
