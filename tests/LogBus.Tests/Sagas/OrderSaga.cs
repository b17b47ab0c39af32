using System.Collections.Concurrent;

namespace LogBus.Tests.Sagas;

public sealed record OrderSubmitted(Guid OrderId, decimal Total);
public sealed record PaymentAccepted(Guid OrderId);
public sealed record OrderShipped(Guid OrderId);
public sealed record PaymentDeadline(Guid OrderId);
public sealed record OrderFinished(Guid OrderId, string Outcome);
public sealed record ChargeRequested(Guid OrderId, decimal Amount);

public sealed class OrderState
{
    public string Status { get; set; } = "";
    public decimal Total { get; set; }
    public List<string> History { get; set; } = [];
}

/// <summary>Order → payment → shipping, or a payment deadline that cancels it.</summary>
public sealed class OrderSaga(SagaProbe probe) : Saga<OrderState>
{
    protected override void Define(SagaDefinition<OrderState> saga) => saga
        .StartedBy<OrderSubmitted>(m => m.OrderId)
        .Handles<PaymentAccepted>(m => m.OrderId)
        .Handles<OrderShipped>(m => m.OrderId)
        .Handles<PaymentDeadline>(m => m.OrderId);

    public async Task Handle(OrderSubmitted message, SagaContext<OrderState> context)
    {
        context.State.Status = "AwaitingPayment";
        context.State.Total = message.Total;
        context.State.History.Add("submitted");
        context.Schedule(new PaymentDeadline(message.OrderId), probe.PaymentWindow);
        await context.Publish(new ChargeRequested(message.OrderId, message.Total));
    }

    public Task Handle(PaymentAccepted message, SagaContext<OrderState> context)
    {
        if (context.State.Status == "AwaitingPayment")
        {
            context.State.Status = "AwaitingShipment";
            context.State.History.Add("paid");
        }
        return Task.CompletedTask;
    }

    public async Task Handle(OrderShipped message, SagaContext<OrderState> context)
    {
        context.State.History.Add("shipped");
        context.Complete();
        probe.Final[message.OrderId] = context.State;
        await context.Publish(new OrderFinished(message.OrderId, "shipped"));
    }

    public async Task Handle(PaymentDeadline message, SagaContext<OrderState> context)
    {
        if (context.State.Status != "AwaitingPayment")
        {
            return; // paid in time: the deadline means nothing (and was cancelled on completion anyway)
        }
        context.State.History.Add("expired");
        context.Complete();
        probe.Final[message.OrderId] = context.State;
        await context.Publish(new OrderFinished(message.OrderId, "expired"));
    }
}

/// <summary>What the saga did, shared with the test.</summary>
public sealed class SagaProbe
{
    public TimeSpan PaymentWindow { get; set; } = TimeSpan.FromMinutes(10);
    public ConcurrentDictionary<Guid, OrderState> Final { get; } = new();
}

public sealed class FinishedConsumer(FinishedLog log) : IConsumer<OrderFinished>
{
    public Task Consume(ConsumeContext<OrderFinished> context)
    {
        log.Outcomes.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class FinishedLog
{
    public ConcurrentQueue<OrderFinished> Outcomes { get; } = new();
}

public sealed record Increment(Guid CounterId, int Amount, Guid Nonce);

public sealed class CounterState
{
    public int Total { get; set; }
    public int Updates { get; set; }
}

/// <summary>Adds up increments; used to force concurrent updates of one instance.</summary>
public sealed class CounterSaga : Saga<CounterState>
{
    protected override void Define(SagaDefinition<CounterState> saga) => saga.StartedBy<Increment>(m => m.CounterId);

    public async Task Handle(Increment message, SagaContext<CounterState> context)
    {
        var total = context.State.Total;
        await Task.Yield(); // widen the window between load and save
        context.State.Total = total + message.Amount;
        context.State.Updates++;
    }
}
