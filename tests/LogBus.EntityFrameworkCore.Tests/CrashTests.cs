using System.Collections.Concurrent;
using System.Diagnostics;
using LogBus.Broker;
using LogBus.EntityFrameworkCore.CrashApp;
using LogBus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>
/// The outbox survives SIGKILL of the application: the crash app (a separate process) publishes through
/// the outbox to a broker in this test process and is killed between commit and delivery, and in the
/// middle of relaying. After a restart every committed message is on the log; the duplicates a crash
/// can cause are absorbed by a consumer with the inbox, which applies each message exactly once.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class CrashTests(PostgresFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "logbus-crash-" + Guid.NewGuid().ToString("N")[..10]);
    private LogBusBroker _broker = null!;
    private string _postgres = null!;

    public async Task InitializeAsync()
    {
        _postgres = await fixture.Server.CreateDatabaseAsync("crash");
        _broker = new LogBusBroker(new LogBusBrokerOptions { Port = FreePort.Next(), DataDirectory = _dataDirectory, DefaultPartitions = 4 });
        await _broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Killed_between_commit_and_delivery_the_restarted_app_delivers_every_committed_message()
    {
        const int count = 3000;
        await using (var writer = CrashApp.Start(_postgres, _broker.BootstrapServers!, publish: count, relay: false))
        {
            await writer.WaitForLineAsync($"COMMITTED {count}", Timeout);
            writer.Kill(); // committed, never relayed
        }
        await using var verifier = await Verifier.StartAsync(_postgres, _broker.BootstrapServers!);
        await Task.Delay(500);
        Assert.Empty(verifier.Seen); // nothing was delivered before the kill

        await using (var relay = CrashApp.Start(_postgres, _broker.BootstrapServers!, publish: 0, relay: true))
        {
            await relay.WaitForLineAsync("DRAINED", Timeout);
            relay.Kill();
        }
        await verifier.WaitForAppliedAsync(count, Timeout);
        Assert.Equal(count, verifier.Seen.Distinct().Count());
        await verifier.AssertAppliedExactlyOnceAsync(count);
    }

    [Fact]
    public async Task Killed_in_the_middle_of_relaying_the_restarted_app_delivers_the_rest_and_the_inbox_absorbs_duplicates()
    {
        const int count = 20_000;
        await using (var writer = CrashApp.Start(_postgres, _broker.BootstrapServers!, publish: count, relay: false))
        {
            await writer.WaitForLineAsync($"COMMITTED {count}", Timeout);
            writer.Kill();
        }
        await using var verifier = await Verifier.StartAsync(_postgres, _broker.BootstrapServers!);
        int seenAtKill;
        await using (var relay = CrashApp.Start(_postgres, _broker.BootstrapServers!, publish: 0, relay: true, batch: 100))
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (verifier.Seen.Count < 2000)
            {
                Assert.True(DateTime.UtcNow < deadline, "the relay did not start delivering");
                await Task.Delay(5);
            }
            relay.Kill(); // mid-relay
            seenAtKill = verifier.Seen.Count;
        }
        await using (var db = Open())
        {
            Assert.True(await db.Set<OutboxMessage>().CountAsync() > 0, $"the kill came too late: the outbox was empty ({seenAtKill} seen)");
        }
        await using (var restarted = CrashApp.Start(_postgres, _broker.BootstrapServers!, publish: 0, relay: true))
        {
            await restarted.WaitForLineAsync("DRAINED", Timeout);
            restarted.Kill();
        }
        await verifier.WaitForAppliedAsync(count, Timeout);
        Assert.Equal(count, verifier.Seen.Distinct().Count()); // every committed message is on the log
        await verifier.AssertAppliedExactlyOnceAsync(count);
    }

    private CrashContext Open() => new(new DbContextOptionsBuilder<CrashContext>().UseNpgsql(_postgres).Options);

    /// <summary>The crash app as a child process, with its output lines.</summary>
    private sealed class CrashApp : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        private CrashApp(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue("stderr: " + e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static CrashApp Start(string postgres, string bootstrap, int publish, bool relay, int batch = 200)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[]
            {
                RepositoryPaths.Output("tests/LogBus.EntityFrameworkCore.CrashApp", "LogBus.EntityFrameworkCore.CrashApp"),
                "--postgres", postgres, "--bootstrap", bootstrap, "--publish", publish.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--relay", relay ? "true" : "false", "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(argument);
            }
            return new CrashApp(Process.Start(start)!);
        }

        public async Task WaitForLineAsync(string line, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!_lines.Contains(line))
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"crash app did not print '{line}' (exited: {_process.HasExited}); output: {string.Join(" | ", _lines.TakeLast(20))}");
                }
                await Task.Delay(10);
            }
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }

        public ValueTask DisposeAsync()
        {
            Kill();
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads the log: one group sees every record (duplicates included), one applies with the inbox.</summary>
    private sealed class Verifier : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly string _postgres;

        private Verifier(IHost host, string postgres, ConcurrentQueue<Guid> seen)
        {
            _host = host;
            _postgres = postgres;
            Seen = seen;
        }

        public ConcurrentQueue<Guid> Seen { get; }

        public static async Task<Verifier> StartAsync(string postgres, string bootstrap)
        {
            var seen = new ConcurrentQueue<Guid>();
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "verifier" });
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(seen);
            builder.Services.AddDbContext<CrashContext>(o => o.UseNpgsql(postgres));
            builder.Services.AddLogBus(bus =>
            {
                bus.ServiceName = "verifier";
                bus.Message<CrashOrder>(m => m.Topic("crash-orders").Key(o => o.Customer).Partitions(4));
                bus.AddEntityFrameworkOutbox<CrashContext>(o =>
                {
                    o.UsePostgres();
                    o.RelayEnabled = false;
                });
                bus.AddConsumer<SeeingConsumer>();
                bus.AddConsumer<ApplyingCrashConsumer>(c => c.UseInbox<CrashContext>());
                bus.UsingKafka(k => k.BootstrapServers = bootstrap);
            });
            var host = builder.Build();
            await host.StartAsync();
            return new Verifier(host, postgres, seen);
        }

        public async Task WaitForAppliedAsync(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                await using var db = Open();
                var applied = await db.Applied.CountAsync();
                if (applied >= count)
                {
                    return;
                }
                Assert.True(DateTime.UtcNow < deadline, $"{applied} of {count} applied, {Seen.Count} records seen");
                await Task.Delay(100);
            }
        }

        public async Task AssertAppliedExactlyOnceAsync(int count)
        {
            await Task.Delay(500); // a late duplicate would show up now
            await using var db = Open();
            Assert.Equal(count, await db.Applied.CountAsync());
            Assert.Equal(count, await db.Applied.Select(a => a.MessageId).Distinct().CountAsync());
            Assert.Equal(Enumerable.Range(0, count), (await db.Applied.Select(a => a.Number).ToListAsync()).Order());
        }

        private CrashContext Open() => new(new DbContextOptionsBuilder<CrashContext>().UseNpgsql(_postgres).Options);

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }
    }

    public sealed class SeeingConsumer(ConcurrentQueue<Guid> seen) : IConsumer<CrashOrder>
    {
        public Task Consume(ConsumeContext<CrashOrder> context)
        {
            seen.Enqueue(context.MessageId);
            return Task.CompletedTask;
        }
    }

    public sealed class ApplyingCrashConsumer(CrashContext db) : IConsumer<CrashOrder>
    {
        public Task Consume(ConsumeContext<CrashOrder> context)
        {
            db.Applied.Add(new AppliedOrder { MessageId = context.MessageId, Number = context.Message.Number });
            return Task.CompletedTask;
        }
    }
}
