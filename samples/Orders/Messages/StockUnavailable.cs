namespace Orders.Messages;

/// <summary>Reply of the stock service: not enough units (<paramref name="Available"/> were left).</summary>
public sealed record StockUnavailable(Guid OrderId, int Available);
