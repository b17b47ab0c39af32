namespace Orders.Messages;

/// <summary>Command from the saga to the stock service: give back what <see cref="ReserveStock"/> took (the compensation of a cancelled order).</summary>
public sealed record ReleaseStock(Guid OrderId, string Sku, int Quantity);
