// The outbox crash tests' application. Usage:
//   CrashApp --postgres CS --bootstrap HOST:PORT [--publish N] [--relay true|false] [--batch 200]
// Publishes N messages through the outbox (100 per transaction), printing "COMMITTED n" after each
// commit; with the relay on it then waits until the outbox is empty and prints "DRAINED". It runs until
// killed (the tests kill it with SIGKILL at chosen moments).
using System.Globalization;
using LogBus;
using LogBus.EntityFrameworkCore;
using LogBus.EntityFrameworkCore.CrashApp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var postgres = Option("--postgres") ?? throw new ArgumentException("--postgres is required");
var bootstrap = Option("--bootstrap") ?? throw new ArgumentException("--bootstrap is required");
var publish = int.Parse(Option("--publish") ?? "0", CultureInfo.InvariantCulture);
var relay = bool.Parse(Option("--relay") ?? "true");
var batch = int.Parse(Option("--batch") ?? "200", CultureInfo.InvariantCulture);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "crash-app" });
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddDbContext<CrashContext>(o => o.UseNpgsql(postgres));
builder.Services.AddLogBus(bus =>
{
    bus.ServiceName = "crash-app";
    bus.Message<CrashOrder>(m => m.Topic("crash-orders").Key(o => o.Customer).Partitions(4));
    bus.AddEntityFrameworkOutbox<CrashContext>(o =>
    {
        o.UsePostgres();
        o.RelayEnabled = relay;
        o.BatchSize = batch;
        o.RelayId = "crash-app"; // stable: a restarted instance takes its lanes back at once
        o.PollInterval = TimeSpan.FromMilliseconds(200);
    });
    bus.UsingKafka(k => k.BootstrapServers = bootstrap);
});
using var host = builder.Build();
await using (var scope = host.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<CrashContext>().Database.EnsureCreatedAsync();
}
await host.StartAsync();

for (var done = 0; done < publish; done += 100)
{
    await using var scope = host.Services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<CrashContext>();
    var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
    for (var i = done; i < Math.Min(publish, done + 100); i++)
    {
        await publisher.Publish(new CrashOrder(i, $"customer-{i % 50}"));
    }
    await db.SaveChangesAsync();
    Console.WriteLine($"COMMITTED {Math.Min(publish, done + 100)}");
}
Console.WriteLine("PUBLISHED");

if (relay)
{
    while (true)
    {
        await using var scope = host.Services.CreateAsyncScope();
        if (!await scope.ServiceProvider.GetRequiredService<CrashContext>().Set<OutboxMessage>().AnyAsync(m => m.ParkedAtMs == null))
        {
            break;
        }
        await Task.Delay(100);
    }
    Console.WriteLine("DRAINED");
}
await Task.Delay(Timeout.Infinite);

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
