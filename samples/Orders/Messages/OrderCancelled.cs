namespace Orders.Messages;

/// <summary>Event for other services: the order was cancelled (its stock, if any was reserved, is released).</summary>
public sealed record OrderCancelled(Guid OrderId, string CustomerId, string Reason);
