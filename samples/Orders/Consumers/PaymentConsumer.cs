using LogBus;
using Orders.Data;
using Orders.Messages;

namespace Orders.Consumers;

/// <summary>
/// The payment service (simulated): charges through <see cref="PaymentGateway"/>, records the payment
/// and replies. With the inbox, a redelivered <see cref="ChargePayment"/> never charges twice.
/// </summary>
public sealed partial class PaymentConsumer(OrdersDbContext db, PaymentGateway gateway, ILogger<PaymentConsumer> logger) : IConsumer<ChargePayment>
{
    public async Task Consume(ConsumeContext<ChargePayment> context)
    {
        var command = context.Message;
        var verdict = gateway.Charge(command.OrderId, command.Amount);
        if (verdict is null)
        {
            LogNoAnswer(logger, command.OrderId, command.Amount);
            return; // nothing to record, nothing to reply: the saga's deadline will notice
        }
        db.Payments.Add(new Payment
        {
            OrderId = command.OrderId,
            Amount = command.Amount,
            Accepted = verdict.Accepted,
            TransactionId = verdict.TransactionId,
            DeclineReason = verdict.DeclineReason,
            ProcessedAt = DateTimeOffset.UtcNow,
        });
        if (verdict.Accepted)
        {
            LogAccepted(logger, command.OrderId, command.Amount, verdict.TransactionId!);
            await context.Publish(new PaymentAccepted(command.OrderId, verdict.TransactionId!));
        }
        else
        {
            LogDeclined(logger, command.OrderId, command.Amount, verdict.DeclineReason!);
            await context.Publish(new PaymentDeclined(command.OrderId, verdict.DeclineReason!));
        }
        // No SaveChanges here: the inbox saves the payment row, the inbox row and the reply together.
    }

    [LoggerMessage(LogLevel.Information, "Charged {Amount} for order {OrderId} ({TransactionId})")]
    private static partial void LogAccepted(ILogger logger, Guid orderId, decimal amount, string transactionId);

    [LoggerMessage(LogLevel.Information, "Declined {Amount} for order {OrderId}: {Reason}")]
    private static partial void LogDeclined(ILogger logger, Guid orderId, decimal amount, string reason);

    [LoggerMessage(LogLevel.Warning, "The payment gateway did not answer for order {OrderId} ({Amount}; simulated for amounts ending in .13)")]
    private static partial void LogNoAnswer(ILogger logger, Guid orderId, decimal amount);
}
