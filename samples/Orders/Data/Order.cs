namespace Orders.Data;

/// <summary>An order row: written by <c>POST /orders</c>, then only by the <see cref="Sagas.OrderSaga"/>.</summary>
public sealed class Order
{
    public Guid Id { get; set; }
    public string CustomerId { get; set; } = "";
    public string Sku { get; set; } = "";
    public int Quantity { get; set; }
    public decimal Amount { get; set; }
    public OrderStatus Status { get; set; }

    /// <summary><c>OutOfStock</c>, <c>PaymentDeclined</c> or <c>PaymentTimedOut</c> when <see cref="Status"/> is <see cref="OrderStatus.Cancelled"/>.</summary>
    public string? CancellationReason { get; set; }

    public string? PaymentTransactionId { get; set; }
    public DateTimeOffset PlacedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the order reached its final status (set in the saga's transaction).</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    public bool IsFinal => Status is OrderStatus.Completed or OrderStatus.Cancelled;
}
