// The exactly-once crash tests' pipeline. Usage:
//   LogBus.ExactlyOnce.CrashApp --bootstrap HOST:PORT [--seed N]
// With --seed it first publishes inputs 0..N-1 to eos-input and prints "SEEDED". Then it runs the
// exactly-once consumer (eos-input -> two EosOutput each -> eos-output), printing "HANDLED n" every
// 200 handler calls, until killed (the tests kill it with SIGKILL at random moments).
using System.Globalization;
using LogBus;
using LogBus.ExactlyOnce.CrashApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var bootstrap = Option("--bootstrap") ?? throw new ArgumentException("--bootstrap is required");
var seed = int.Parse(Option("--seed") ?? "0", CultureInfo.InvariantCulture);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "eos-crash-app" });
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddLogBus(bus =>
{
    bus.ServiceName = "eos-crash-app";
    bus.Message<EosInput>(m => m.Topic("eos-input").Key(i => i.Id.ToString(CultureInfo.InvariantCulture)).Partitions(4));
    bus.Message<EosOutput>(m => m.Topic("eos-output").Key(o => o.InputId.ToString(CultureInfo.InvariantCulture)).Partitions(4));
    bus.AddConsumer<EosHandler>(c =>
    {
        c.Mode = ConsumeMode.ExactlyOnce;
        c.GroupId = "eos-pipeline";
        c.PrefetchPerPartition = 200;
    });
    bus.UsingKafka(k => k.BootstrapServers = bootstrap);
});
using var host = builder.Build();
if (seed > 0)
{
    // Seeding before the consumer starts: a plain (idempotent) publish of every input.
    var publisher = host.Services.GetRequiredService<IPublisher>();
    await host.StartAsync();
    var pending = new List<Task>(seed);
    for (var i = 0; i < seed; i++)
    {
        pending.Add(publisher.Publish(new EosInput(i)));
    }
    await Task.WhenAll(pending);
    Console.WriteLine("SEEDED");
}
else
{
    await host.StartAsync();
}
Console.WriteLine("STARTED");
var reported = 0;
while (true)
{
    await Task.Delay(20);
    var handled = EosHandler.Handled;
    if (handled / 200 > reported / 200)
    {
        reported = handled;
        Console.WriteLine($"HANDLED {handled}");
    }
}

static string? Option(string name)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
