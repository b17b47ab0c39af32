using LogBus.Transport.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>Sagas on the EF Core store with the outbox, on SQLite and PostgreSQL.</summary>
public abstract class SagaStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    protected Database Db { get; private set; } = null!;

    protected abstract Task<Database> NewDatabaseAsync();

    public async Task InitializeAsync()
    {
        Db = await NewDatabaseAsync();
        await Db.CreateAsync();
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private Task<ShopHost> StartAsync(InMemoryBroker broker, ShipmentProbe probe, Action<SagaOptions>? saga = null, Action<LogBusBuilder>? bus = null, bool inbox = true) =>
        ShopHost.StartAsync(Db, broker, b =>
        {
            b.AddSaga<ShipmentSaga>(s =>
            {
                s.UseEntityFramework<ShopContext>();
                s.SchedulePollInterval = TimeSpan.FromMilliseconds(100);
                s.Consumer(c =>
                {
                    c.Retry = RetryPolicy.Immediate(5);
                    if (inbox)
                    {
                        c.UseInbox<ShopContext>();
                    }
                });
                saga?.Invoke(s);
            });
            b.AddConsumer<ShipmentClosedConsumer>();
            bus?.Invoke(b);
        }, services: s => s.AddSingleton(probe));

    private static async Task PublishAsync(ShopHost host, params object[] messages) =>
        await host.InScopeAsync(async (db, publisher) =>
        {
            foreach (var message in messages)
            {
                await publisher.Publish(message);
            }
            await db.SaveChangesAsync();
        });

    [Fact]
    public async Task State_published_messages_and_the_inbox_row_commit_together_and_a_failed_attempt_leaves_nothing()
    {
        var probe = new ShipmentProbe();
        probe.FailFirstAttemptsOfItem[2] = 1; // packing item 2 publishes ShipmentClosed, then throws once
        var broker = new InMemoryBroker();
        await using var host = await StartAsync(broker, probe);
        var id = Guid.NewGuid();
        await PublishAsync(host, new ShipmentOpened(id, 2));
        await PublishAsync(host, new ItemPacked(id, 1));
        await PublishAsync(host, new ItemPacked(id, 2));
        await WaitUntilAsync(() => Task.FromResult(probe.Closed.Count >= 1));
        await host.Harness.WaitForIdle(Timeout);

        var closed = Assert.Single(probe.Closed); // the failed attempt's publish was rolled back with it
        Assert.Equal(("packed", 2), (closed.Outcome, closed.Packed));
        Assert.Equal(2, probe.Attempts[(id, 2)]);
        await using var db = Db.Open();
        Assert.Empty(await db.Set<SagaInstanceRecord>().ToListAsync()); // completed: removed
        Assert.Empty(await db.Set<SagaScheduledMessage>().ToListAsync()); // its deadline cancelled
        Assert.Equal(3, await db.Set<InboxMessage>().CountAsync()); // the saga handled opened and packed x2, each once
    }

    [Fact]
    public async Task A_scheduled_message_fires_after_the_application_restarts()
    {
        var probe = new ShipmentProbe { Deadline = TimeSpan.FromSeconds(2) };
        var broker = new InMemoryBroker();
        var id = Guid.NewGuid();
        await using (var first = await StartAsync(broker, probe))
        {
            await PublishAsync(first, new ShipmentOpened(id, 3), new ItemPacked(id, 1));
            await WaitUntilAsync(async () =>
            {
                await using var db = Db.Open();
                return await db.Set<SagaScheduledMessage>().AnyAsync() && (await db.Set<SagaInstanceRecord>().SingleOrDefaultAsync())?.State.Contains("[1]", StringComparison.Ordinal) == true;
            });
        } // stopped before the deadline

        Assert.Empty(probe.Closed);
        await using var second = await StartAsync(broker, probe);
        await WaitUntilAsync(() => Task.FromResult(!probe.Closed.IsEmpty));
        var closed = Assert.Single(probe.Closed);
        Assert.Equal(("deadline", 1), (closed.Outcome, closed.Packed));
    }

    [Fact]
    public async Task Concurrent_updates_of_one_instance_from_two_application_instances_lose_nothing()
    {
        var probe = new ShipmentProbe();
        var broker = new InMemoryBroker();
        // Items keyed at random: one shipment's items spread over partitions and both instances.
        void Keys(LogBusBuilder bus) => bus.Message<ItemPacked>(m => m.Topic("items").Key(i => Guid.NewGuid()).Partitions(8));
        await using var first = await StartAsync(broker, probe, s => s.Consumer(c => c.Concurrency = 4), Keys, inbox: false);
        await using var second = await StartAsync(broker, probe, s => s.Consumer(c => c.Concurrency = 4), Keys, inbox: false);
        var shipments = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in shipments)
        {
            await PublishAsync(first, new ShipmentOpened(id, 40));
        }
        await WaitUntilAsync(async () =>
        {
            await using var db = Db.Open();
            return await db.Set<SagaInstanceRecord>().CountAsync() == shipments.Count;
        });
        var items = shipments.SelectMany(id => Enumerable.Range(1, 40).Select(i => new ItemPacked(id, i))).ToList();
        var half = items.Count / 2;
        await Task.WhenAll(
            PublishAsync(first, [.. items.Take(half)]),
            PublishAsync(second, [.. items.Skip(half)]));
        await WaitUntilAsync(() => Task.FromResult(probe.Closed.Count >= shipments.Count));
        Assert.All(probe.Closed, c => Assert.Equal(("packed", 40), (c.Outcome, c.Packed)));
        Assert.Equal(shipments.Order(), probe.Closed.Select(c => c.ShipmentId).Order());
    }

    [Fact]
    public async Task A_thousand_instances_with_interleaved_events_on_two_application_instances_all_finish()
    {
        var probe = new ShipmentProbe();
        var broker = new InMemoryBroker();
        await using var first = await StartAsync(broker, probe);
        await using var second = await StartAsync(broker, probe);
        var shipments = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).ToList();
        await Task.WhenAll(
            PublishAsync(first, [.. shipments.Select(id => (object)new ShipmentOpened(id, 2))]),
            Task.CompletedTask);
        await Task.WhenAll(
            PublishAsync(second, [.. shipments.Select(id => (object)new ItemPacked(id, 1))]),
            PublishAsync(first, [.. shipments.Select(id => (object)new ItemPacked(id, 2))]));
        // ShipmentClosed is consumed at-least-once (no inbox on the probe's consumer): wait for every shipment.
        await WaitUntilAsync(() => Task.FromResult(probe.Closed.Select(c => c.ShipmentId).Distinct().Count() >= 1000));
        Assert.Equal(shipments.Order(), probe.Closed.Select(c => c.ShipmentId).Distinct().Order());
        Assert.All(probe.Closed, c => Assert.Equal(("packed", 2), (c.Outcome, c.Packed)));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(25);
        }
    }
}

public sealed class SqliteSagaStoreTests : SagaStoreTests, IDisposable
{
    private SqliteDatabase? _database;

    protected override Task<Database> NewDatabaseAsync() => Task.FromResult<Database>(_database = new SqliteDatabase());

    public void Dispose() => _database?.Dispose();
}

[Collection(nameof(PostgresCollection))]
public sealed class PostgresSagaStoreTests(PostgresFixture fixture) : SagaStoreTests
{
    protected override async Task<Database> NewDatabaseAsync() => new PostgresDatabase(await fixture.Server.CreateDatabaseAsync("sagas"));
}
