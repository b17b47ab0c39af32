using LogBus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>
/// Integration: sagas with the EF Core store and outbox on PostgreSQL, running on the bundled broker in
/// process (UsingEmbeddedBroker), 200 instances through to completion and a deadline that fires.
/// </summary>
[Collection(nameof(PostgresCollection))]
public sealed class EmbeddedBrokerSagaTests(PostgresFixture fixture) : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "logbus-saga-embedded-" + Guid.NewGuid().ToString("N")[..10]);
    private PostgresDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = new PostgresDatabase(await fixture.Server.CreateDatabaseAsync("saga_embedded"));
        await _db.CreateAsync();
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Sagas_complete_on_the_embedded_broker_with_postgres_and_a_deadline_fires()
    {
        var probe = new ShipmentProbe { Deadline = TimeSpan.FromSeconds(3) };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "saga-embedded" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(probe);
        builder.Services.AddDbContext<ShopContext>(_db.UseProvider);
        builder.Services.AddLogBus(bus =>
        {
            bus.AddEntityFrameworkOutbox<ShopContext>(o => o.UsePostgres());
            bus.AddSaga<ShipmentSaga>(s =>
            {
                s.UseEntityFramework<ShopContext>();
                s.SchedulePollInterval = TimeSpan.FromMilliseconds(200);
                s.Consumer(c => c.UseInbox<ShopContext>());
            });
            bus.AddConsumer<ShipmentClosedConsumer>();
            bus.UsingEmbeddedBroker(b =>
            {
                b.DataDirectory = _data;
                b.Port = FreePort.Next();
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var shipments = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToList();
            var late = Guid.NewGuid(); // never fully packed: closed by its deadline
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
                var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
                foreach (var id in shipments)
                {
                    await publisher.Publish(new ShipmentOpened(id, 2));
                }
                await publisher.Publish(new ShipmentOpened(late, 5));
                await db.SaveChangesAsync();
            }
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
                var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
                foreach (var id in shipments)
                {
                    await publisher.Publish(new ItemPacked(id, 2));
                    await publisher.Publish(new ItemPacked(id, 1));
                }
                await publisher.Publish(new ItemPacked(late, 1));
                await db.SaveChangesAsync();
            }
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (probe.Closed.Count < shipments.Count + 1)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{probe.Closed.Count} of {shipments.Count + 1} shipments closed");
                await Task.Delay(50);
            }
            var closed = probe.Closed.ToDictionary(c => c.ShipmentId);
            Assert.All(shipments, id => Assert.Equal(("packed", 2), (closed[id].Outcome, closed[id].Packed)));
            Assert.Equal(("deadline", 1), (closed[late].Outcome, closed[late].Packed));
            await using var check = _db.Open();
            Assert.Empty(await check.Set<SagaInstanceRecord>().ToListAsync());
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.StopAsync(timeout.Token);
        }
    }
}
