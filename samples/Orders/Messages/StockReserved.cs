namespace Orders.Messages;

/// <summary>Reply of the stock service: the units are set aside for the order.</summary>
public sealed record StockReserved(Guid OrderId);
