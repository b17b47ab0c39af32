using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LogBus.Samples.Tests;

/// <summary>
/// The Orders sample end to end on the embedded broker and SQLite: orders go in over HTTP, the outbox,
/// the consumers and the saga run for real, and each order must reach the final state its inputs call for.
/// </summary>
public sealed partial class OrdersEndToEndTests(OrdersApp app) : IClassFixture<OrdersApp>
{
    [Fact]
    public async Task A_paid_order_completes_and_keeps_its_stock_taken()
    {
        var before = await app.StockAsync();
        var placed = await app.PlaceAsync("e2e-paid", "book", 2, 42.50m);
        Assert.Equal("Placed", placed.Status);
        Assert.Equal("BOOK", placed.Sku);

        var (order, seen) = await app.WaitUntilFinalAsync(placed.Id);
        Assert.Equal("Completed", order.Status);
        Assert.Null(order.CancellationReason);
        Assert.Equal("tx-" + order.Id.ToString("N")[..12], order.PaymentTransactionId);
        Assert.NotNull(order.FinishedAt);
        Assert.DoesNotContain("Cancelling", seen);

        var after = await app.StockAsync();
        Assert.Equal(before["BOOK"] - 2, after["BOOK"]);
        var (payment, openSaga, scheduled) = await app.BackstageAsync(order.Id);
        Assert.True(payment is { Accepted: true, Amount: 42.50m });
        Assert.Null(openSaga);
        Assert.Equal(0, scheduled); // the payment deadline was cancelled when the saga completed

        var mine = await app.Http.GetFromJsonAsync<List<Orders.Api.OrderView>>("/orders?customerId=e2e-paid");
        Assert.Equal(order.Id, Assert.Single(mine!).Id);
    }

    [Fact]
    public async Task A_declined_payment_cancels_the_order_and_gives_the_stock_back()
    {
        var before = await app.StockAsync();
        var placed = await app.PlaceAsync("e2e-declined", "MUG", 3, OrdersFactory.CardLimit + 250m);

        var (order, _) = await app.WaitUntilFinalAsync(placed.Id);
        Assert.Equal("Cancelled", order.Status);
        Assert.Equal("PaymentDeclined", order.CancellationReason);
        Assert.Null(order.PaymentTransactionId);

        // The gateway was asked (so the stock had been reserved first: the saga charges only after
        // StockReserved), refused, and the compensation put the three mugs back.
        var (payment, openSaga, scheduled) = await app.BackstageAsync(order.Id);
        Assert.True(payment is { Accepted: false }, "the payment service recorded no refusal");
        Assert.Contains("card limit", payment!.DeclineReason, StringComparison.Ordinal);
        Assert.Equal(before["MUG"], (await app.StockAsync())["MUG"]);
        Assert.Null(openSaga);
        Assert.Equal(0, scheduled);
    }

    [Fact]
    public async Task An_order_for_more_than_the_stock_is_cancelled_without_charging()
    {
        var before = await app.StockAsync();
        var placed = await app.PlaceAsync("e2e-scarce", "LIMITED", before["LIMITED"] + 1, 10m);

        var (order, seen) = await app.WaitUntilFinalAsync(placed.Id);
        Assert.Equal("Cancelled", order.Status);
        Assert.Equal("OutOfStock", order.CancellationReason);
        Assert.DoesNotContain("AwaitingPayment", seen);

        var (payment, openSaga, _) = await app.BackstageAsync(order.Id);
        Assert.Null(payment);
        Assert.Null(openSaga);
        Assert.Equal(before["LIMITED"], (await app.StockAsync())["LIMITED"]);
    }

    [Fact]
    public async Task Orders_placed_together_all_reach_their_final_state_and_the_stock_adds_up()
    {
        var before = await app.StockAsync();
        // 30 orders at once over two products: a third declined, the rest paid.
        var placing = Enumerable.Range(0, 30).Select(i =>
            app.PlaceAsync($"e2e-batch-{i % 4}", i % 2 == 0 ? "BOOK" : "MUG", 1 + (i % 3), i % 3 == 0 ? OrdersFactory.CardLimit + 1 : 10m + i));
        var placed = await Task.WhenAll(placing);
        var finals = await Task.WhenAll(placed.Select(async p => (await app.WaitUntilFinalAsync(p.Id)).Order));

        Assert.All(finals, o => Assert.Equal(o.Amount > OrdersFactory.CardLimit ? "Cancelled" : "Completed", o.Status));
        var after = await app.StockAsync();
        foreach (var sku in new[] { "BOOK", "MUG" })
        {
            var taken = finals.Where(o => o.Sku == sku && o.Status == "Completed").Sum(o => o.Quantity);
            Assert.Equal(before[sku] - taken, after[sku]);
        }
    }

    [Fact]
    public async Task Invalid_orders_are_refused_and_unknown_orders_are_not_found()
    {
        using var invalid = await app.Http.PostAsJsonAsync("/orders", new Orders.Api.PlaceOrderRequest("", "BOOK", 0, 1.234m));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(["amount", "customerId", "quantity"], problem.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        using var missing = await app.Http.GetAsync($"/orders/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_app_keeps_its_data_in_the_configured_directory_and_reports_health()
    {
        Assert.True(File.Exists(Path.Combine(app.Factory.DataDirectory, "orders.db")));
        Assert.True(Directory.Exists(Path.Combine(app.Factory.DataDirectory, "broker")));
        var health = JsonDocument.Parse(await app.Http.GetStringAsync("/health")).RootElement;
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("logbus").GetProperty("status").GetString());
    }
}
