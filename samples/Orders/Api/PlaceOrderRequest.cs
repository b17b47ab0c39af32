namespace Orders.Api;

/// <summary>Body of <c>POST /orders</c>.</summary>
public sealed record PlaceOrderRequest(string? CustomerId, string? Sku, int Quantity, decimal Amount)
{
    /// <summary>Field errors, empty when the request is valid.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(CustomerId) || CustomerId.Length > 100)
        {
            errors["customerId"] = ["required, at most 100 characters"];
        }
        if (string.IsNullOrWhiteSpace(Sku) || Sku.Length > 50)
        {
            errors["sku"] = ["required, at most 50 characters (the shop stocks BOOK, MUG, TSHIRT and LIMITED)"];
        }
        if (Quantity is < 1 or > 1000)
        {
            errors["quantity"] = ["between 1 and 1000"];
        }
        if (Amount <= 0 || Amount > 1_000_000 || decimal.Round(Amount, 2) != Amount)
        {
            errors["amount"] = ["positive, at most 1,000,000, with at most two decimals"];
        }
        return errors;
    }
}
