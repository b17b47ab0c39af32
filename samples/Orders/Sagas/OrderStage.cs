namespace Orders.Sagas;

/// <summary>The saga's own view of an order in flight.</summary>
public enum OrderStage
{
    ReservingStock,
    AwaitingPayment,
    ReleasingStock,
}
