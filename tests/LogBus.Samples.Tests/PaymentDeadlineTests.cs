namespace LogBus.Samples.Tests;

/// <summary>
/// The saga's payment deadline, in an app of its own with a short deadline (2 s): the simulated gateway
/// never answers amounts ending in .13, so nothing but the deadline can end these orders.
/// </summary>
public sealed class PaymentDeadlineTests(ShortDeadlineOrdersApp app) : IClassFixture<ShortDeadlineOrdersApp>
{
    [Fact]
    public async Task A_payment_that_never_answers_is_cancelled_at_the_deadline_with_the_stock_given_back()
    {
        var before = await app.StockAsync();
        var placed = await app.PlaceAsync("e2e-timeout", "TSHIRT", 1, 20.13m); // the simulated gateway never answers .13

        var (order, _) = await app.WaitUntilFinalAsync(placed.Id);
        Assert.Equal("Cancelled", order.Status);
        Assert.Equal("PaymentTimedOut", order.CancellationReason);
        Assert.True(order.FinishedAt!.Value - order.PlacedAt >= app.Factory.PaymentTimeout,
            $"cancelled after {(order.FinishedAt.Value - order.PlacedAt).TotalSeconds:0.000} s, before the {app.Factory.PaymentTimeout.TotalSeconds} s deadline");

        var (payment, openSaga, scheduled) = await app.BackstageAsync(order.Id);
        Assert.Null(payment);
        Assert.Equal(before["TSHIRT"], (await app.StockAsync())["TSHIRT"]);
        Assert.Null(openSaga);
        Assert.Equal(0, scheduled);
    }
}
