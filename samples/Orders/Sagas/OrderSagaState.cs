namespace Orders.Sagas;

/// <summary>The state of one <see cref="OrderSaga"/> instance, stored as JSON in <c>logbus_saga_instances</c> until the order finishes.</summary>
public sealed class OrderSagaState
{
    public OrderStage Stage { get; set; }
    public string CustomerId { get; set; } = "";
    public string Sku { get; set; } = "";
    public int Quantity { get; set; }
    public decimal Amount { get; set; }

    /// <summary>Why the order is being cancelled (while releasing its stock).</summary>
    public string? CancellationReason { get; set; }
}
