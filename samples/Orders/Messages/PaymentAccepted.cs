namespace Orders.Messages;

/// <summary>Reply of the payment service: the customer was charged.</summary>
public sealed record PaymentAccepted(Guid OrderId, string TransactionId);
