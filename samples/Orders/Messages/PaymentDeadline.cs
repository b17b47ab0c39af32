namespace Orders.Messages;

/// <summary>The saga's timeout: scheduled when the order is placed, cancelled when the order finishes first.</summary>
public sealed record PaymentDeadline(Guid OrderId);
