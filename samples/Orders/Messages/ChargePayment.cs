namespace Orders.Messages;

/// <summary>Command from the saga to the payment service.</summary>
public sealed record ChargePayment(Guid OrderId, string CustomerId, decimal Amount);
