using LogBus;
using Microsoft.EntityFrameworkCore;
using Orders.Data;
using Orders.Messages;

namespace Orders.Api;

/// <summary>The HTTP API: place an order, look at orders and stock.</summary>
public static class OrderEndpoints
{
    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        app.MapPost("/orders", PlaceOrder);
        app.MapGet("/orders/{id:guid}", GetOrder);
        app.MapGet("/orders", ListOrders);
        app.MapGet("/stock", async (OrdersDbContext db, CancellationToken cancellationToken) =>
            Results.Ok(await db.Stock.AsNoTracking().OrderBy(s => s.Sku).ToListAsync(cancellationToken)));
        return app;
    }

    /// <summary>
    /// Saves the order and publishes <see cref="OrderPlaced"/> in one transaction: with the outbox,
    /// <c>Publish</c> only adds a row to this DbContext, and <c>SaveChanges</c> commits both. Either the
    /// order exists and its event will reach the log, or neither happened.
    /// </summary>
    public static async Task<IResult> PlaceOrder(PlaceOrderRequest request, OrdersDbContext db, IPublisher publisher, CancellationToken cancellationToken)
    {
        if (request.Validate() is { Count: > 0 } errors)
        {
            return Results.ValidationProblem(errors);
        }
        var now = DateTimeOffset.UtcNow;
        var order = new Order
        {
            Id = Guid.CreateVersion7(now),
            CustomerId = request.CustomerId!,
            Sku = request.Sku!.ToUpperInvariant(),
            Quantity = request.Quantity,
            Amount = request.Amount,
            Status = OrderStatus.Placed,
            PlacedAt = now,
            UpdatedAt = now,
        };
        db.Orders.Add(order);
        await publisher.Publish(new OrderPlaced(order.Id, order.CustomerId, order.Sku, order.Quantity, order.Amount), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Results.Accepted($"/orders/{order.Id}", OrderView.From(order));
    }

    public static async Task<IResult> GetOrder(Guid id, OrdersDbContext db, CancellationToken cancellationToken) =>
        await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken) is { } order
            ? Results.Ok(OrderView.From(order))
            : Results.NotFound();

    /// <summary>The latest orders (at most 100), optionally of one customer.</summary>
    public static async Task<IResult> ListOrders(OrdersDbContext db, string? customerId, CancellationToken cancellationToken)
    {
        var query = db.Orders.AsNoTracking();
        if (!string.IsNullOrEmpty(customerId))
        {
            query = query.Where(o => o.CustomerId == customerId);
        }
        // Ids are UUIDv7: ordering by id is ordering by placement time, on every database.
        var orders = await query.OrderByDescending(o => o.Id).Take(100).ToListAsync(cancellationToken);
        return Results.Ok(orders.Select(OrderView.From));
    }
}
