using System.Collections.Concurrent;

namespace LogBus.EntityFrameworkCore.Tests;

public sealed record ShipmentOpened(Guid ShipmentId, int Items);
public sealed record ItemPacked(Guid ShipmentId, int Item);
public sealed record ShipmentDeadline(Guid ShipmentId);
public sealed record ShipmentClosed(Guid ShipmentId, string Outcome, int Packed);

public sealed class ShipmentState
{
    public int Items { get; set; }
    public List<int> Packed { get; set; } = [];
}

/// <summary>Opens a shipment, collects packed items (in any order), closes when all are packed or at the deadline.</summary>
public sealed class ShipmentSaga(ShipmentProbe probe) : Saga<ShipmentState>
{
    protected override void Define(SagaDefinition<ShipmentState> saga) => saga
        .StartedBy<ShipmentOpened>(m => m.ShipmentId)
        .Handles<ItemPacked>(m => m.ShipmentId)
        .Handles<ShipmentDeadline>(m => m.ShipmentId);

    public Task Handle(ShipmentOpened message, SagaContext<ShipmentState> context)
    {
        context.State.Items = message.Items;
        context.Schedule(new ShipmentDeadline(message.ShipmentId), probe.Deadline);
        return Task.CompletedTask;
    }

    public async Task Handle(ItemPacked message, SagaContext<ShipmentState> context)
    {
        var attempts = probe.Attempts.AddOrUpdate((message.ShipmentId, message.Item), 1, (_, n) => n + 1);
        if (!context.State.Packed.Contains(message.Item))
        {
            context.State.Packed.Add(message.Item);
        }
        if (context.State.Packed.Count == context.State.Items)
        {
            context.Complete();
            await context.Publish(new ShipmentClosed(message.ShipmentId, "packed", context.State.Packed.Count));
        }
        if (attempts <= probe.FailFirstAttemptsOfItem.GetValueOrDefault(message.Item))
        {
            throw new InvalidOperationException($"item {message.Item} fails on attempt {attempts}, after publishing");
        }
    }

    public async Task Handle(ShipmentDeadline message, SagaContext<ShipmentState> context)
    {
        context.Complete();
        await context.Publish(new ShipmentClosed(message.ShipmentId, "deadline", context.State.Packed.Count));
    }
}

public sealed class ShipmentProbe
{
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(10);
    public ConcurrentDictionary<(Guid, int), int> Attempts { get; } = new();
    public Dictionary<int, int> FailFirstAttemptsOfItem { get; } = [];
    public ConcurrentQueue<ShipmentClosed> Closed { get; } = new();
}

public sealed class ShipmentClosedConsumer(ShipmentProbe probe) : IConsumer<ShipmentClosed>
{
    public Task Consume(ConsumeContext<ShipmentClosed> context)
    {
        probe.Closed.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}
