namespace Orders.Messages;

/// <summary>Command from the saga to the stock service: take <paramref name="Quantity"/> units of <paramref name="Sku"/> for an order.</summary>
public sealed record ReserveStock(Guid OrderId, string Sku, int Quantity);
