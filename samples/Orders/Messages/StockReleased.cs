namespace Orders.Messages;

/// <summary>Reply of the stock service: the order's units are back in stock.</summary>
public sealed record StockReleased(Guid OrderId);
