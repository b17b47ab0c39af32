namespace Orders.Messages;

/// <summary>Event for other services: the order is paid and its stock is reserved.</summary>
public sealed record OrderCompleted(Guid OrderId, string CustomerId, decimal Amount);
