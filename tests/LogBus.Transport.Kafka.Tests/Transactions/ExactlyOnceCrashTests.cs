using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using LogBus.Broker;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Transactions;

/// <summary>
/// The framework's exactly-once mode survives SIGKILL: a pipeline process (eos-input → handler → two
/// outputs each → eos-output, <see cref="ConsumeMode.ExactlyOnce"/>) is killed at random points several
/// times against a broker in this process; read_committed, eos-output then holds every input's outputs
/// exactly once.
/// </summary>
public sealed class ExactlyOnceCrashTests
{
    private const int Inputs = 10_000;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private static string App => Path.Combine(LogBus.Compatibility.Tests.RepositoryPaths.Root, "tests", "LogBus.ExactlyOnce.CrashApp", "bin", LogBus.Compatibility.Tests.RepositoryPaths.Configuration, "net10.0", "LogBus.ExactlyOnce.CrashApp.dll");

    private sealed record Output(int InputId, int Part);

    [Fact]
    public async Task A_pipeline_killed_at_random_points_writes_every_inputs_outputs_exactly_once()
    {
        var directory = Path.Combine(Path.GetTempPath(), "logbus-eos-crash-" + Guid.NewGuid().ToString("N")[..10]);
        var broker = new LogBusBroker(new LogBusBrokerOptions { ListenAddress = "127.0.0.1", Port = 0, DataDirectory = directory });
        await broker.StartAsync();
        PipelineProcess? app = null;
        try
        {
            var seed = Environment.TickCount;
            var random = new Random(seed);
            app = PipelineProcess.Start(broker.BootstrapServers!, Inputs);
            await app.WaitForAsync(l => l == "SEEDED", Bound);
            for (var kill = 0; kill < 4; kill++)
            {
                // A random point: after a random number of handler calls in this process.
                var threshold = random.Next(200, 2400);
                await app.WaitForAsync(l => l.StartsWith("HANDLED ", StringComparison.Ordinal) && int.Parse(l[8..], System.Globalization.CultureInfo.InvariantCulture) >= threshold, Bound);
                app.Kill();
                await app.DisposeAsync();
                app = PipelineProcess.Start(broker.BootstrapServers!, 0);
                await app.WaitForAsync(l => l == "STARTED", Bound);
            }

            var outputs = await ReadCommittedAsync(broker.BootstrapServers!, 2 * Inputs);
            var distinct = outputs.Distinct().Count();
            Assert.True(distinct == 2 * Inputs, $"seed {seed}: {outputs.Count} outputs read, {distinct} distinct (duplicates or losses)");
            Assert.Equal(Enumerable.Range(0, Inputs).SelectMany(i => new[] { new Output(i, 0), new Output(i, 1) }).ToHashSet(), outputs.ToHashSet());
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            await broker.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Reads eos-output with read_committed until <paramref name="count"/> records arrived (bounded).</summary>
    private static async Task<List<Output>> ReadCommittedAsync(string bootstrap, int count)
    {
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = bootstrap, IsolationLevel = IsolationLevel.ReadCommitted });
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartition("eos-output", p)));
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var outputs = new List<Output>();
        var deadline = DateTime.UtcNow + Bound;
        while (outputs.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read {outputs.Count} of {count} outputs");
            foreach (var record in await consumer.FetchAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None))
            {
                outputs.Add(JsonSerializer.Deserialize<Output>(record.Value.Span, options)!);
            }
        }
        return outputs;
    }

    /// <summary>The pipeline as a child process, with its output lines.</summary>
    private sealed class PipelineProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly SemaphoreSlim _lineArrived = new(0);

        private PipelineProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "stderr: " + e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private void OnLine(string? line)
        {
            if (line is not null)
            {
                _lines.Enqueue(line);
                _lineArrived.Release();
            }
        }

        public static PipelineProcess Start(string bootstrap, int seed)
        {
            Assert.True(File.Exists(App), $"{App} is missing: build Framework.sln first");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { App, "--bootstrap", bootstrap, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }
            start.Environment["DOTNET_gcServer"] = "0";
            return new PipelineProcess(Process.Start(start)!);
        }

        /// <summary>Waits (bounded) for an output line matching <paramref name="match"/>; lines seen before count too.</summary>
        public async Task WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!_lines.Any(match))
            {
                var remaining = deadline - DateTime.UtcNow;
                if (_process.HasExited || remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"pipeline did not print the expected line (exited: {_process.HasExited}); output: {string.Join(" | ", _lines.TakeLast(20))}");
                }
                await _lineArrived.WaitAsync(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
            }
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public ValueTask DisposeAsync()
        {
            Kill();
            _process.Dispose();
            _lineArrived.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
