using System.Text;
using System.Text.Json;
using LogBus.EntityFrameworkCore.Internal;
using LogBus.Transport;
using LogBus.Transport.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>Outbox and inbox behaviour, run on SQLite and on a real PostgreSQL.</summary>
public abstract class OutboxTests : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    protected Database Db { get; private set; } = null!;

    protected InMemoryBroker Broker { get; } = new();

    protected abstract Task<Database> NewDatabaseAsync();

    public async Task InitializeAsync()
    {
        Db = await NewDatabaseAsync();
        await Db.CreateAsync();
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Committed_units_of_work_publish_exactly_their_messages_and_rolled_back_ones_nothing()
    {
        await using var host = await ShopHost.StartAsync(Db, Broker);
        // Rolled back explicit transaction.
        await host.InScopeAsync(async (db, publisher) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "rolled-back" });
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "rolled-back", 1));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        });
        // A unit of work that fails before saving.
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "failed", 1));
            throw new InvalidOperationException("business rule violated");
        }));
        // Committed with the implicit transaction of SaveChanges.
        await host.InScopeAsync(async (db, publisher) =>
        {
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "implicit" });
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "implicit", 1));
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "implicit", 2));
            await db.SaveChangesAsync();
        });
        // Committed with an explicit transaction and two saves.
        await host.InScopeAsync(async (db, publisher) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "explicit", 1));
            await db.SaveChangesAsync();
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "explicit" });
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "explicit", 2));
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        });

        var delivered = await WaitForRecordsAsync("orders", 4);
        var orders = delivered.Select(Read<OrderPlaced>).ToList();
        Assert.Equal(["explicit/1", "explicit/2", "implicit/1", "implicit/2"], orders.Select(o => $"{o.Customer}/{o.Sequence}").Order());
        await WaitUntilAsync(async () => await CountOutboxAsync() == 0);
        await using (var db = Db.Open())
        {
            Assert.Equal(["explicit", "implicit"], (await db.Orders.Select(o => o.Customer).ToListAsync()).Order());
        }
        Assert.Contains(TestLog.Entries, e => e.Message.Contains("never saved", StringComparison.Ordinal));
        await host.Harness.WaitForIdle(Timeout); // the harness counts committed rows only
        Assert.Equal(4, host.Harness.Published<OrderPlaced>().Count);
    }

    [Fact]
    public async Task A_message_that_cannot_be_serialized_fails_at_Publish()
    {
        await using var host = await ShopHost.StartAsync(Db, Broker);
        await host.InScopeAsync(async (db, publisher) =>
        {
            var error = await Assert.ThrowsAsync<MessageSerializationException>(() => publisher.Publish(new Unserializable(() => 1)));
            Assert.Contains(nameof(Unserializable), error.Message, StringComparison.Ordinal);
            Assert.Empty(db.ChangeTracker.Entries<OutboxMessage>());
        });
    }

    [Fact]
    public async Task One_SaveChanges_delivers_its_messages_in_publish_order()
    {
        await using var host = await ShopHost.StartAsync(Db, Broker);
        await host.InScopeAsync(async (db, publisher) =>
        {
            for (var i = 0; i < 500; i++)
            {
                await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "one-key", i));
            }
            await db.SaveChangesAsync();
        });
        var delivered = await WaitForRecordsAsync("orders", 500);
        Assert.Equal(Enumerable.Range(0, 500), delivered.OrderBy(r => r.Offset).Select(r => Read<OrderPlaced>(r).Sequence));
    }

    [Fact]
    public async Task An_undeliverable_row_is_retried_with_backoff_then_parked_with_its_reason_while_other_keys_flow()
    {
        var broker = new InMemoryBroker(new InMemoryBrokerOptions { MaxRecordBytes = 4096 });
        await using var host = await ShopHost.StartAsync(Db, broker,
            bus => bus.Message<Huge>(m => m.Key(h => h.Customer).Partitions(1)),
            outbox => outbox.MaxDeliveryAttempts = 3);
        await host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new Huge("solo", new string('x', 10_000)));
            await db.SaveChangesAsync();
        });
        // While the huge row waits for its retries, other keys are delivered.
        await host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new Huge("other", "small"));
            await db.SaveChangesAsync();
        });
        Assert.Equal("small", Read<Huge>(Assert.Single(await WaitForRecordsAsync("huge", 1, broker))).Payload);
        var parked = await WaitForParkedAsync();
        Assert.Equal(3, parked.Attempts);
        Assert.Contains(nameof(RecordTooLargeException), parked.LastError, StringComparison.Ordinal);
        Assert.Equal("solo", Encoding.UTF8.GetString(parked.Key!));
    }

    [Fact]
    public async Task A_row_that_fails_while_later_rows_of_its_key_succeed_is_parked_at_once_so_the_key_stays_in_order()
    {
        var broker = new InMemoryBroker(new InMemoryBrokerOptions { MaxRecordBytes = 4096 });
        await using var host = await ShopHost.StartAsync(Db, broker,
            bus => bus.Message<Huge>(m => m.Key(h => h.Customer).Partitions(1)),
            outbox => outbox.MaxDeliveryAttempts = 5);
        await host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new Huge("big", new string('x', 10_000)));
            await publisher.Publish(new Huge("big", "small, after the huge one"));
            await publisher.Publish(new Huge("other", "small, another key"));
            await db.SaveChangesAsync();
        });
        var delivered = (await WaitForRecordsAsync("huge", 2, broker)).Select(Read<Huge>).ToList();
        Assert.Equal(["small, after the huge one", "small, another key"], delivered.Select(h => h.Payload).Order(StringComparer.Ordinal));
        var parked = await WaitForParkedAsync();
        Assert.Equal(1, parked.Attempts);
        Assert.Contains("cannot be retried in order", parked.LastError, StringComparison.Ordinal);
    }

    private async Task<OutboxMessage> WaitForParkedAsync()
    {
        OutboxMessage? parked = null;
        await WaitUntilAsync(async () =>
        {
            await using var db = Db.Open();
            parked = await db.Set<OutboxMessage>().AsNoTracking().SingleOrDefaultAsync(m => m.ParkedAtMs != null);
            return parked is not null;
        });
        return parked!;
    }

    [Fact]
    public async Task The_inbox_applies_a_redelivered_message_once()
    {
        var counter = new RunCounter();
        await using var host = await ShopHost.StartAsync(Db, Broker,
            bus => bus.AddConsumer<ApplyingConsumer>(c => c.UseInbox<ShopContext>()),
            services: s => s.AddSingleton(counter));
        await host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "dup", 1));
            await db.SaveChangesAsync();
        });
        var original = Assert.Single(await WaitForRecordsAsync("orders", 1));
        // The log delivers the same message again (a producer retry, a relay that crashed before deleting).
        Broker.Append(new OutgoingRecord("orders", original.Key, original.Value, original.Headers));
        await WaitUntilAsync(() => Task.FromResult(host.Harness.Consumed<OrderPlaced>().Count == 2));
        await using var db = Db.Open();
        var applied = await db.Applied.ToListAsync();
        var row = Assert.Single(applied);
        Assert.Equal(EnvelopeMessageId(original), row.MessageId);
        Assert.Equal(1, counter.Runs[row.MessageId]); // the duplicate never reached the handler
        Assert.Equal(1, await db.Set<InboxMessage>().CountAsync());
    }

    [Fact]
    public async Task A_failed_handler_attempt_rolls_back_its_changes_and_the_retry_applies_once()
    {
        var counter = new RunCounter { FailFirstAttempts = 2 };
        await using var host = await ShopHost.StartAsync(Db, Broker,
            bus => bus.AddConsumer<ApplyingConsumer>(c =>
            {
                c.UseInbox<ShopContext>();
                c.Retry = RetryPolicy.Immediate(5);
            }),
            services: s => s.AddSingleton(counter));
        await host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "flaky", 1));
            await db.SaveChangesAsync();
        });
        await WaitUntilAsync(() => Task.FromResult(host.Harness.Consumed<OrderPlaced>().Count == 1));
        await using var db = Db.Open();
        var row = Assert.Single(await db.Applied.ToListAsync());
        Assert.Equal(3, counter.Runs[row.MessageId]);
    }

    [Fact]
    public async Task What_a_consumer_publishes_is_saved_and_delivered_even_if_the_handler_does_not_save()
    {
        await using var host = await ShopHost.StartAsync(Db, Broker, bus => bus.AddConsumer<ForwardingConsumer>());
        await host.InScopeAsync(async (db, publisher) =>
        {
            await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "forward", 1));
            await db.SaveChangesAsync();
        });
        var shipment = Read<ShipmentRequested>(Assert.Single(await WaitForRecordsAsync("shipment-requested", 1)));
        Assert.Equal("forward", shipment.Customer);
        await host.Harness.WaitForIdle(Timeout);
    }

    [Fact]
    public async Task Inbox_rows_older_than_the_retention_are_deleted()
    {
        var keep = Guid.NewGuid();
        await using (var db = Db.Open())
        {
            var now = DateTimeOffset.UtcNow;
            db.Set<InboxMessage>().Add(new InboxMessage { ConsumerGroup = "g", MessageId = Guid.NewGuid(), ProcessedAtMs = now.AddHours(-2).ToUnixTimeMilliseconds() });
            db.Set<InboxMessage>().Add(new InboxMessage { ConsumerGroup = "g", MessageId = keep, ProcessedAtMs = now.AddMinutes(-5).ToUnixTimeMilliseconds() });
            await db.SaveChangesAsync();
        }
        // The cleanup service runs at start and then every interval.
        await using var host = await ShopHost.StartAsync(Db, Broker, outbox: o => o.InboxRetention = TimeSpan.FromHours(1));
        await WaitUntilAsync(async () =>
        {
            await using var check = Db.Open();
            return await check.Set<InboxMessage>().CountAsync() == 1;
        });
        await using var db2 = Db.Open();
        Assert.Equal(keep, (await db2.Set<InboxMessage>().SingleAsync()).MessageId);
        Assert.Equal(0, await host.Services.GetRequiredService<InboxCleanup<ShopContext>>().DeleteExpiredAsync(CancellationToken.None));
    }

    protected async Task<List<LogRecord>> WaitForRecordsAsync(string topic, int count, InMemoryBroker? broker = null)
    {
        broker ??= Broker;
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var records = ReadAll(broker, topic);
            if (records.Count >= count)
            {
                return records;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{records.Count} of {count} records on {topic}; log: {string.Join(" | ", TestLog.Entries.TakeLast(5).Select(e => e.Message))}");
            await Task.Delay(20);
        }
    }

    protected static List<LogRecord> ReadAll(InMemoryBroker broker, string topic) =>
        !broker.Topics.Contains(topic)
            ? []
            : Enumerable.Range(0, broker.GetPartitionCount(topic)).SelectMany(p => broker.Read(topic, p, 0, int.MaxValue)).ToList();

    protected async Task<int> CountOutboxAsync()
    {
        await using var db = Db.Open();
        return await db.Set<OutboxMessage>().CountAsync();
    }

    protected static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }

    protected static T Read<T>(LogRecord record) =>
        JsonSerializer.Deserialize<T>(record.Value.Span, JsonSerializerOptions.Web)!;

    protected static Guid EnvelopeMessageId(LogRecord record) => Guid.Parse(record.Headers.GetString(HeaderNames.MessageId)!);

    public sealed record Unserializable(Func<int> Callback);
}

public sealed class SqliteOutboxTests : OutboxTests, IDisposable
{
    private SqliteDatabase? _database;

    protected override Task<Database> NewDatabaseAsync() => Task.FromResult<Database>(_database = new SqliteDatabase());

    public void Dispose() => _database?.Dispose();
}

[Collection(nameof(PostgresCollection))]
public sealed class PostgresOutboxTests(PostgresFixture fixture) : OutboxTests
{
    protected override async Task<Database> NewDatabaseAsync() => new PostgresDatabase(await fixture.Server.CreateDatabaseAsync("outbox"));
}

[Collection(nameof(PostgresCollection))]
public sealed class OutboxMetricsTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Delivered_rows_commit_to_log_latency_and_depth_are_measured()
    {
        var values = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "LogBus" && instrument.Name.StartsWith("logbus.outbox.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => values.AddOrUpdate(i.Name, v, (_, old) => i.Name.EndsWith("depth", StringComparison.Ordinal) || i.Name.EndsWith("parked", StringComparison.Ordinal) ? v : old + v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => values.AddOrUpdate(i.Name, v, (_, old) => Math.Max(old, v)));
        listener.Start();

        var db = new PostgresDatabase(await fixture.Server.CreateDatabaseAsync("metrics"));
        await db.CreateAsync();
        var broker = new InMemoryBroker();
        await using var host = await ShopHost.StartAsync(db, broker);
        await host.InScopeAsync(async (ctx, publisher) =>
        {
            for (var i = 0; i < 10; i++)
            {
                await publisher.Publish(new OrderPlaced(Guid.NewGuid(), "metered", i));
            }
            await ctx.SaveChangesAsync();
        });
        await host.Harness.WaitForIdle(TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((!values.TryGetValue("logbus.outbox.delivered", out var delivered) || delivered < 10) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        listener.RecordObservableInstruments();
        Assert.True(values["logbus.outbox.delivered"] >= 10);
        Assert.True(values.ContainsKey("logbus.outbox.delivery_latency"));
        Assert.InRange(values["logbus.outbox.delivery_latency"], 0, 60_000);
        Assert.True(values.ContainsKey("logbus.outbox.depth"));
        Assert.True(values.ContainsKey("logbus.outbox.oldest_age"));
    }
}
