using System.Collections.Concurrent;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>Counts handler runs per message id (including runs that rolled back).</summary>
public sealed class RunCounter
{
    public ConcurrentDictionary<Guid, int> Runs { get; } = new();
    public int FailFirstAttempts { get; set; }
}

/// <summary>Applies each order to the database; with the inbox, exactly once.</summary>
public sealed class ApplyingConsumer(ShopContext db, RunCounter counter) : IConsumer<OrderPlaced>
{
    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        var runs = counter.Runs.AddOrUpdate(context.MessageId, 1, (_, n) => n + 1);
        db.Applied.Add(new Applied { MessageId = context.MessageId, Customer = context.Message.Customer, Sequence = context.Message.Sequence });
        if (runs <= counter.FailFirstAttempts)
        {
            throw new InvalidOperationException($"attempt {runs} fails after changing the database");
        }
        return Task.CompletedTask;
    }
}

public sealed record ShipmentRequested(Guid OrderId, string Customer);

/// <summary>Publishes a follow-up through the outbox without saving: the outbox saves it after the handler.</summary>
public sealed class ForwardingConsumer : IConsumer<OrderPlaced>
{
    public Task Consume(ConsumeContext<OrderPlaced> context) =>
        context.Publish(new ShipmentRequested(context.Message.OrderId, context.Message.Customer));
}
