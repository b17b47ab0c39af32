using System.Text.Json;
using LogBus.EntityFrameworkCore.Internal;
using LogBus.Transport;
using LogBus.Transport.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>Several application instances (hosts with their own relay) on one PostgreSQL database.</summary>
[Collection(nameof(PostgresCollection))]
public sealed class MultiRelayTests(PostgresFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private PostgresDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = new PostgresDatabase(await fixture.Server.CreateDatabaseAsync("relays"));
        await _db.CreateAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Three_relays_deliver_100000_messages_over_1000_keys_in_key_order_and_the_inbox_applies_each_once()
    {
        const int keys = 1000, perKey = 100, total = keys * perKey;
        var broker = new InMemoryBroker(new InMemoryBrokerOptions { RetentionRecordsPerPartition = 10_000_000, RetentionBytesPerPartition = 4L << 30 });
        var counter = new RunCounter();
        await using var a = await ShopHost.StartAsync(_db, broker, outbox: o => o.RelayId = "relay-a");
        await using var b = await ShopHost.StartAsync(_db, broker, outbox: o => o.RelayId = "relay-b");
        await using var c = await ShopHost.StartAsync(_db, broker, outbox: o => o.RelayId = "relay-c");
        // The consumer instance runs no relay: only the three above deliver.
        await using var consumer = await ShopHost.StartAsync(_db, broker,
            bus => bus.AddConsumer<ApplyingConsumer>(x =>
            {
                x.UseInbox<ShopContext>();
                x.Concurrency = 8;
            }),
            outbox: o => o.RelayEnabled = false,
            services: s => s.AddSingleton(counter));

        // Each instance publishes a third of the keys, each key's messages in order, 100 per transaction.
        ShopHost[] publishers = [a, b, c];
        await Task.WhenAll(publishers.Select((host, index) => Task.Run(async () =>
        {
            var myKeys = Enumerable.Range(0, keys).Where(k => k % 3 == index).ToList();
            for (var sequence = 0; sequence < perKey; sequence++)
            {
                foreach (var chunk in myKeys.Chunk(100))
                {
                    await host.InScopeAsync(async (db, publisher) =>
                    {
                        foreach (var key in chunk)
                        {
                            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), $"customer-{key}", sequence));
                        }
                        await db.SaveChangesAsync();
                    });
                }
            }
        })));

        // Every message on the log, each key's messages in order.
        var log = await WaitForLogAsync(broker, total);
        var byKey = log.GroupBy(o => o.Customer).ToList();
        Assert.Equal(keys, byKey.Count);
        foreach (var key in byKey)
        {
            var sequences = key.Select(o => o.Sequence).ToList();
            var firstSeen = sequences.Distinct().ToList(); // duplicates (a relay that lost its lease) may repeat an earlier one
            Assert.Equal(Enumerable.Range(0, perKey), firstSeen);
        }

        // The consumer with the inbox applied each message exactly once.
        await WaitUntilAsync(async () =>
        {
            await using var db = _db.Open();
            return await db.Applied.CountAsync() >= total;
        });
        await using (var db = _db.Open())
        {
            Assert.Equal(total, await db.Applied.CountAsync());
            Assert.Equal(total, await db.Applied.Select(x => x.MessageId).Distinct().CountAsync());
            Assert.Equal(total, await db.Set<InboxMessage>().CountAsync());
            Assert.Equal(0, await db.Set<OutboxMessage>().CountAsync());
        }
        // All three relays took part.
        var relays = new[] { a, b, c }.Select(h => h.Services.GetRequiredService<OutboxRelay<ShopContext>>()).ToList();
        Assert.All(relays, r => Assert.NotEmpty(r.OwnedLanes));
    }

    [Fact]
    public async Task Relays_share_the_lanes_fairly_and_take_over_when_one_stops()
    {
        var broker = new InMemoryBroker();
        await using var a = await ShopHost.StartAsync(_db, broker, outbox: o => { o.RelayId = "fair-a"; o.Lanes = 12; });
        await using var b = await ShopHost.StartAsync(_db, broker, outbox: o => { o.RelayId = "fair-b"; o.Lanes = 12; });
        var c = await ShopHost.StartAsync(_db, broker, outbox: o => { o.RelayId = "fair-c"; o.Lanes = 12; });
        var relays = new[] { a, b, c }.Select(h => h.Services.GetRequiredService<OutboxRelay<ShopContext>>()).ToList();
        await WaitUntilAsync(() => Task.FromResult(relays.All(r => r.OwnedLanes.Count == 4)), () => string.Join(" / ", relays.Select(r => string.Join(",", r.OwnedLanes))));
        Assert.Equal(Enumerable.Range(0, 12), relays.SelectMany(r => r.OwnedLanes).Order());

        await c.DisposeAsync(); // graceful: gives its lanes back at once
        await WaitUntilAsync(() => Task.FromResult(relays[0].OwnedLanes.Count == 6 && relays[1].OwnedLanes.Count == 6), () => string.Join(" / ", relays.Select(r => string.Join(",", r.OwnedLanes))));
        Assert.Equal(Enumerable.Range(0, 12), relays.Take(2).SelectMany(r => r.OwnedLanes).Order());
    }

    [Fact]
    public async Task A_commit_in_one_instance_wakes_the_relay_of_another_through_NOTIFY()
    {
        var broker = new InMemoryBroker();
        // Polling every hour: only the notification can deliver in time.
        await using var relay = await ShopHost.StartAsync(_db, broker, outbox: o => o.RelayId = "notified");
        await using var writer = await ShopHost.StartAsync(_db, broker, outbox: o => o.RelayEnabled = false);
        await Task.Delay(200); // let the relay take its lanes and LISTEN
        await writer.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "remote", 1));
            await db.SaveChangesAsync();
        });
        var log = await WaitForLogAsync(broker, 1);
        Assert.Equal("remote", Assert.Single(log).Customer);
    }

    private static async Task<List<OrderPlaced>> WaitForLogAsync(InMemoryBroker broker, int count)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var records = broker.Topics.Contains("orders")
                ? Enumerable.Range(0, broker.GetPartitionCount("orders")).SelectMany(p => broker.Read("orders", p, 0, int.MaxValue)).ToList()
                : new List<LogRecord>();
            if (records.Select(r => r.Headers.GetString(HeaderNames.MessageId)).Distinct().Count() >= count)
            {
                return records.OrderBy(r => r.Partition).ThenBy(r => r.Offset)
                    .Select(r => JsonSerializer.Deserialize<OrderPlaced>(r.Value.Span, JsonSerializerOptions.Web)!).ToList();
            }
            Assert.True(DateTime.UtcNow < deadline, $"{records.Count} of {count} messages on the log");
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time " + state?.Invoke());
            await Task.Delay(50);
        }
    }
}
