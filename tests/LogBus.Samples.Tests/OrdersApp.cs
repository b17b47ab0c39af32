using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LogBus.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api;
using Orders.Data;

namespace LogBus.Samples.Tests;

/// <summary>
/// One running Orders app for the tests of a class: started, and healthy (the bus's consumers joined
/// their groups) before the first test; stopped, and its data deleted, after the last.
/// </summary>
/// <remarks>
/// The payment deadline is 60 s here: long enough that on a loaded machine a slow but answered payment
/// is never overtaken by its deadline (the outcome would then depend on timing). The deadline itself
/// is tested with <see cref="ShortDeadlineOrdersApp"/>, where no payment answer competes with it.
/// </remarks>
public class OrdersApp : IAsyncLifetime
{
    public OrdersApp()
        : this(TimeSpan.FromSeconds(60))
    {
    }

    protected OrdersApp(TimeSpan paymentTimeout) => PaymentTimeout = paymentTimeout;

    /// <summary>How long an order may take to reach its final state (generous: the machine is shared).</summary>
    public static readonly TimeSpan FinalWithin = TimeSpan.FromSeconds(90);

    /// <summary>The saga's payment deadline in this app.</summary>
    public TimeSpan PaymentTimeout { get; }

    public OrdersFactory Factory { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Starts what the app depends on and returns its configuration beyond the defaults (none here: embedded broker, SQLite).</summary>
    protected virtual Task<Dictionary<string, string>> StartDependenciesAsync() => Task.FromResult(new Dictionary<string, string>());

    /// <summary>Stops what <see cref="StartDependenciesAsync"/> started (after the app stopped).</summary>
    protected virtual ValueTask StopDependenciesAsync() => ValueTask.CompletedTask;

    public async Task InitializeAsync()
    {
        Factory = new OrdersFactory(PaymentTimeout, await StartDependenciesAsync());
        Http = Factory.CreateClient();
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            // Degraded ("LogBus is starting": consumers not yet in their groups) also answers 200: wait for Healthy.
            using var response = await Http.GetAsync("/health");
            var body = await response.Content.ReadAsStringAsync();
            last = $"{(int)response.StatusCode} {body}";
            if (response.StatusCode == HttpStatusCode.OK && JsonDocument.Parse(body).RootElement.GetProperty("status").GetString() == "Healthy")
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the Orders app did not become healthy within 90 s; last /health: {last}");
    }

    public async Task DisposeAsync()
    {
        try
        {
            Http?.Dispose();
            if (Factory is not null)
            {
                await Factory.DisposeAsync();
            }
        }
        finally
        {
            await StopDependenciesAsync();
        }
    }

    /// <summary>POST /orders, which must be accepted; returns the order as the API showed it.</summary>
    public async Task<OrderView> PlaceAsync(string customerId, string sku, int quantity, decimal amount)
    {
        using var response = await Http.PostAsJsonAsync("/orders", new PlaceOrderRequest(customerId, sku, quantity, amount));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {body}");
        var view = JsonSerializer.Deserialize<OrderView>(body, JsonSerializerOptions.Web)!;
        Assert.Equal($"/orders/{view.Id}", response.Headers.Location?.OriginalString);
        return view;
    }

    /// <summary>GET /orders/{id} until the order is final (bounded by <see cref="FinalWithin"/>); every status seen on the way is returned too.</summary>
    public async Task<(OrderView Order, List<string> Seen)> WaitUntilFinalAsync(Guid id)
    {
        var seen = new List<string>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var order = await Http.GetFromJsonAsync<OrderView>($"/orders/{id}");
            Assert.NotNull(order);
            if (seen.Count == 0 || seen[^1] != order.Status)
            {
                seen.Add(order.Status);
            }
            if (order.Final)
            {
                return (order, seen);
            }
            Assert.True(clock.Elapsed < FinalWithin, $"order {id} is not final after {FinalWithin.TotalSeconds:0} s (statuses seen: {string.Join(" -> ", seen)})");
            await Task.Delay(50);
        }
    }

    /// <summary>GET /stock: units available per product.</summary>
    public async Task<Dictionary<string, int>> StockAsync()
    {
        var items = await Http.GetFromJsonAsync<List<StockItem>>("/stock");
        return items!.ToDictionary(s => s.Sku, s => s.Available, StringComparer.Ordinal);
    }

    /// <summary>What the database holds about an order besides the order row: its payment and its saga instance and timeouts.</summary>
    public async Task<(Payment? Payment, SagaInstanceRecord? OpenSaga, int ScheduledTimeouts)> BackstageAsync(Guid orderId)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        var correlationId = orderId.ToString();
        var payment = await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.OrderId == orderId);
        var saga = await db.Set<SagaInstanceRecord>().AsNoTracking().SingleOrDefaultAsync(s => s.CorrelationId == correlationId && s.CompletedAtMs == null);
        var scheduled = await db.Set<SagaScheduledMessage>().AsNoTracking().CountAsync(s => s.CorrelationId == correlationId);
        return (payment, saga, scheduled);
    }
}
