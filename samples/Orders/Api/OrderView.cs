using Orders.Data;

namespace Orders.Api;

/// <summary>What <c>GET /orders/{id}</c> returns.</summary>
public sealed record OrderView(
    Guid Id, string CustomerId, string Sku, int Quantity, decimal Amount, string Status, bool Final,
    string? CancellationReason, string? PaymentTransactionId, DateTimeOffset PlacedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt)
{
    public static OrderView From(Order order) => new(
        order.Id, order.CustomerId, order.Sku, order.Quantity, order.Amount, order.Status.ToString(), order.IsFinal,
        order.CancellationReason, order.PaymentTransactionId, order.PlacedAt, order.UpdatedAt, order.FinishedAt);
}
