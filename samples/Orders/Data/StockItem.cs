namespace Orders.Data;

/// <summary>Units of one product the stock service can still reserve.</summary>
public sealed class StockItem
{
    public string Sku { get; set; } = "";
    public int Available { get; set; }
}
