using LogBus;
using Microsoft.EntityFrameworkCore;
using Orders.Data;
using Orders.Messages;

namespace Orders.Consumers;

/// <summary>
/// The stock service (simulated in this process): reserves and releases units. Registered with the
/// inbox (<c>c.UseInbox&lt;OrdersDbContext&gt;()</c>), so the stock update, the inbox row and the reply
/// (an outbox row) commit in one transaction: a redelivered command is skipped, never applied twice.
/// </summary>
public sealed partial class StockConsumer(OrdersDbContext db, ILogger<StockConsumer> logger)
    : IConsumer<ReserveStock>, IConsumer<ReleaseStock>
{
    public async Task Consume(ConsumeContext<ReserveStock> context)
    {
        var command = context.Message;
        // One conditional UPDATE: concurrent reservations of one product cannot oversell it.
        var reserved = await db.Stock
            .Where(s => s.Sku == command.Sku && s.Available >= command.Quantity)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Available, x => x.Available - command.Quantity), context.CancellationToken);
        if (reserved == 1)
        {
            LogReserved(logger, command.OrderId, command.Quantity, command.Sku);
            await context.Publish(new StockReserved(command.OrderId));
        }
        else
        {
            var available = await db.Stock.Where(s => s.Sku == command.Sku).Select(s => s.Available).FirstOrDefaultAsync(context.CancellationToken);
            LogUnavailable(logger, command.OrderId, command.Quantity, command.Sku, available);
            await context.Publish(new StockUnavailable(command.OrderId, available));
        }
    }

    public async Task Consume(ConsumeContext<ReleaseStock> context)
    {
        var command = context.Message;
        await db.Stock
            .Where(s => s.Sku == command.Sku)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Available, x => x.Available + command.Quantity), context.CancellationToken);
        LogReleased(logger, command.OrderId, command.Quantity, command.Sku);
        await context.Publish(new StockReleased(command.OrderId));
    }

    [LoggerMessage(LogLevel.Information, "Reserved {Quantity} x {Sku} for order {OrderId}")]
    private static partial void LogReserved(ILogger logger, Guid orderId, int quantity, string sku);

    [LoggerMessage(LogLevel.Information, "Cannot reserve {Quantity} x {Sku} for order {OrderId}: {Available} left")]
    private static partial void LogUnavailable(ILogger logger, Guid orderId, int quantity, string sku, int available);

    [LoggerMessage(LogLevel.Information, "Released {Quantity} x {Sku} of order {OrderId}")]
    private static partial void LogReleased(ILogger logger, Guid orderId, int quantity, string sku);
}
