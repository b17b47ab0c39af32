namespace Orders.Messages;

/// <summary>An order was saved. Published by <c>POST /orders</c> through the outbox, in the same transaction as the order row.</summary>
public sealed record OrderPlaced(Guid OrderId, string CustomerId, string Sku, int Quantity, decimal Amount);
