namespace Orders.Messages;

/// <summary>Reply of the payment service: the charge was refused.</summary>
public sealed record PaymentDeclined(Guid OrderId, string Reason);
