namespace Orders.Data;

/// <summary>Where an order is. <see cref="Completed"/> and <see cref="Cancelled"/> are final.</summary>
public enum OrderStatus
{
    /// <summary>Saved by the API; the saga has not seen it yet.</summary>
    Placed,

    /// <summary>The saga asked the stock service to reserve the items.</summary>
    ReservingStock,

    /// <summary>Stock is reserved; the saga asked the payment service to charge the customer.</summary>
    AwaitingPayment,

    /// <summary>Payment failed or timed out; the saga is giving the reserved stock back.</summary>
    Cancelling,

    /// <summary>Final: paid, stock taken.</summary>
    Completed,

    /// <summary>Final: see <see cref="Order.CancellationReason"/>.</summary>
    Cancelled,
}
