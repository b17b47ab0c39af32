using LogBus;
using Orders.Data;
using Orders.Messages;

namespace Orders.Sagas;

/// <summary>
/// Drives each order to <see cref="OrderStatus.Completed"/> or <see cref="OrderStatus.Cancelled"/>:
/// reserve stock, charge the customer, and on a declined or late payment give the stock back.
/// </summary>
/// <remarks>
/// One instance per order id. Its messages share the topic <c>order-saga</c>, keyed by order id, so an
/// order's replies are handled in the order they were published. The saga is an orchestrator: the stock
/// and payment services only answer its commands, so every reply finds its instance. The payment
/// deadline starts when the payment is requested. The instance
/// state, the order row it updates and the commands it publishes commit in one transaction (EF Core
/// saga store + outbox + inbox).
/// </remarks>
public sealed partial class OrderSaga(OrdersDbContext db, OrdersOptions options, ILogger<OrderSaga> logger) : Saga<OrderSagaState>
{
    protected override void Define(SagaDefinition<OrderSagaState> saga) => saga
        .StartedBy<OrderPlaced>(m => m.OrderId)
        .Handles<StockReserved>(m => m.OrderId)
        .Handles<StockUnavailable>(m => m.OrderId)
        .Handles<PaymentAccepted>(m => m.OrderId)
        .Handles<PaymentDeclined>(m => m.OrderId)
        .Handles<PaymentDeadline>(m => m.OrderId)
        .Handles<StockReleased>(m => m.OrderId);

    public async Task Handle(OrderPlaced message, SagaContext<OrderSagaState> context)
    {
        context.State = new OrderSagaState
        {
            Stage = OrderStage.ReservingStock,
            CustomerId = message.CustomerId,
            Sku = message.Sku,
            Quantity = message.Quantity,
            Amount = message.Amount,
        };
        await context.Publish(new ReserveStock(message.OrderId, message.Sku, message.Quantity));
        await SetStatusAsync(message.OrderId, OrderStatus.ReservingStock);
    }

    public async Task Handle(StockReserved message, SagaContext<OrderSagaState> context)
    {
        context.State.Stage = OrderStage.AwaitingPayment;
        await context.Publish(new ChargePayment(message.OrderId, context.State.CustomerId, context.State.Amount));
        // The timeout is stored with the state (it survives restarts) and cancelled automatically when
        // the saga completes first.
        context.Schedule(new PaymentDeadline(message.OrderId), options.PaymentTimeout);
        await SetStatusAsync(message.OrderId, OrderStatus.AwaitingPayment);
    }

    public Task Handle(StockUnavailable message, SagaContext<OrderSagaState> context) =>
        CancelAsync(message.OrderId, context, "OutOfStock", stockReserved: false);

    public async Task Handle(PaymentAccepted message, SagaContext<OrderSagaState> context)
    {
        if (context.State.Stage != OrderStage.AwaitingPayment)
        {
            // Paid after the deadline: a real shop would refund here.
            LogLatePayment(logger, message.OrderId, context.State.Stage);
            return;
        }
        var order = await SetStatusAsync(message.OrderId, OrderStatus.Completed);
        order.PaymentTransactionId = message.TransactionId;
        await context.Publish(new OrderCompleted(message.OrderId, context.State.CustomerId, context.State.Amount));
        context.Complete();
        LogCompleted(logger, message.OrderId);
    }

    public Task Handle(PaymentDeclined message, SagaContext<OrderSagaState> context) =>
        context.State.Stage == OrderStage.AwaitingPayment
            ? CancelAsync(message.OrderId, context, "PaymentDeclined", stockReserved: true)
            : Task.CompletedTask; // the deadline already cancelled it

    public Task Handle(PaymentDeadline message, SagaContext<OrderSagaState> context) =>
        context.State.Stage == OrderStage.AwaitingPayment
            ? CancelAsync(message.OrderId, context, "PaymentTimedOut", stockReserved: true)
            : Task.CompletedTask;

    public async Task Handle(StockReleased message, SagaContext<OrderSagaState> context)
    {
        var order = await SetStatusAsync(message.OrderId, OrderStatus.Cancelled);
        order.CancellationReason = context.State.CancellationReason;
        await context.Publish(new OrderCancelled(message.OrderId, context.State.CustomerId, context.State.CancellationReason!));
        context.Complete();
        LogCancelled(logger, message.OrderId, context.State.CancellationReason!);
    }

    private async Task CancelAsync(Guid orderId, SagaContext<OrderSagaState> context, string reason, bool stockReserved)
    {
        context.State.CancellationReason = reason;
        if (stockReserved)
        {
            // Compensation: the order finishes when the stock is back.
            context.State.Stage = OrderStage.ReleasingStock;
            await context.Publish(new ReleaseStock(orderId, context.State.Sku, context.State.Quantity));
            await SetStatusAsync(orderId, OrderStatus.Cancelling);
            return;
        }
        var order = await SetStatusAsync(orderId, OrderStatus.Cancelled);
        order.CancellationReason = reason;
        await context.Publish(new OrderCancelled(orderId, context.State.CustomerId, reason));
        context.Complete();
        LogCancelled(logger, orderId, reason);
    }

    /// <summary>Updates the order row; the saga store saves it with the state and the outbox rows.</summary>
    private async Task<Order> SetStatusAsync(Guid orderId, OrderStatus status)
    {
        var order = await db.Orders.FindAsync(orderId)
            ?? throw new InvalidOperationException($"Order {orderId} is not in the database.");
        var now = DateTimeOffset.UtcNow;
        order.Status = status;
        order.UpdatedAt = now;
        if (order.IsFinal)
        {
            order.FinishedAt = now;
        }
        return order;
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId} completed")]
    private static partial void LogCompleted(ILogger logger, Guid orderId);

    [LoggerMessage(LogLevel.Information, "Order {OrderId} cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, Guid orderId, string reason);

    [LoggerMessage(LogLevel.Warning, "Order {OrderId} was paid while {Stage}: ignored (a real shop would refund)")]
    private static partial void LogLatePayment(ILogger logger, Guid orderId, OrderStage stage);
}
