using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Orders.Data;

namespace LogBus.Samples.Tests;

/// <summary>
/// The same sample with configuration only: a standalone <c>logbus-broker</c> process instead of the
/// embedded broker, PostgreSQL instead of SQLite (outbox woken by NOTIFY, 8 partitions per topic).
/// </summary>
public sealed class StandaloneDependenciesTests(StandaloneOrdersApp app) : IClassFixture<StandaloneOrdersApp>
{
    [Fact]
    public async Task Orders_reach_their_final_states_on_a_broker_process_and_PostgreSQL()
    {
        await using (var scope = app.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
            Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        }
        Assert.False(Directory.Exists(Path.Combine(app.Factory.DataDirectory, "broker")), "the embedded broker ran although bootstrap servers were configured");

        var before = await app.StockAsync();
        var paid = Enumerable.Range(0, 20).Select(i => app.PlaceAsync($"pg-{i % 5}", i % 2 == 0 ? "BOOK" : "MUG", 1 + (i % 3), 10m + i));
        var declined = app.PlaceAsync("pg-declined", "TSHIRT", 2, OrdersFactory.CardLimit + 1);
        var scarce = app.PlaceAsync("pg-scarce", "LIMITED", before["LIMITED"] + 1, 10m);
        var placed = await Task.WhenAll(paid.Append(declined).Append(scarce));
        var finals = await Task.WhenAll(placed.Select(async p => (await app.WaitUntilFinalAsync(p.Id)).Order));

        Assert.All(finals.Take(20), o => Assert.Equal("Completed", o.Status));
        Assert.Equal(("Cancelled", "PaymentDeclined"), (finals[20].Status, finals[20].CancellationReason));
        Assert.Equal(("Cancelled", "OutOfStock"), (finals[21].Status, finals[21].CancellationReason));
        var after = await app.StockAsync();
        foreach (var sku in new[] { "BOOK", "MUG" })
        {
            Assert.Equal(before[sku] - finals.Where(o => o.Sku == sku && o.Status == "Completed").Sum(o => o.Quantity), after[sku]);
        }
        Assert.Equal(before["TSHIRT"], after["TSHIRT"]);
        Assert.Equal(before["LIMITED"], after["LIMITED"]);

        // The messages went through the broker process: its data directory holds the sample's topics,
        // created with the framework's default of 8 partitions (the SQLite setup uses 1).
        Assert.Equal(8, Directory.GetDirectories(app.Broker.DataDirectory, "orders-*").Length);
        Assert.Equal(8, Directory.GetDirectories(app.Broker.DataDirectory, "order-saga-*").Length);
    }
}
