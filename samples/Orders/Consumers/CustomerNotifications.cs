using LogBus;
using Orders.Messages;

namespace Orders.Consumers;

/// <summary>
/// Tells customers how their order ended (here: a log line). A plain consumer without the inbox:
/// at-least-once, which is fine for a notification that may, rarely, go out twice.
/// </summary>
public sealed partial class CustomerNotifications(ILogger<CustomerNotifications> logger) : IConsumer<OrderCompleted>, IConsumer<OrderCancelled>
{
    public Task Consume(ConsumeContext<OrderCompleted> context)
    {
        LogCompleted(logger, context.Message.CustomerId, context.Message.OrderId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<OrderCancelled> context)
    {
        LogCancelled(logger, context.Message.CustomerId, context.Message.OrderId, context.Message.Reason);
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "Mail to {CustomerId}: order {OrderId} is on its way")]
    private static partial void LogCompleted(ILogger logger, string customerId, Guid orderId);

    [LoggerMessage(LogLevel.Information, "Mail to {CustomerId}: order {OrderId} was cancelled ({Reason})")]
    private static partial void LogCancelled(ILogger logger, string customerId, Guid orderId, string reason);
}
