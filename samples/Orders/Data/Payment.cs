namespace Orders.Data;

/// <summary>What the payment service did for an order (one row per order, thanks to the inbox).</summary>
public sealed class Payment
{
    public Guid OrderId { get; set; }
    public decimal Amount { get; set; }
    public bool Accepted { get; set; }
    public string? TransactionId { get; set; }
    public string? DeclineReason { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }
}
