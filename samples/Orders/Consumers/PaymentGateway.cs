namespace Orders.Consumers;

/// <summary>
/// A simulated card processor with fixed, documented rules, so every outcome can be tried with curl:
/// amounts above <see cref="OrdersOptions.CardLimit"/> are declined, and amounts ending in .13 are never
/// answered (a gateway that hangs), which the saga's payment deadline turns into a cancellation.
/// </summary>
public sealed class PaymentGateway(OrdersOptions options)
{
    /// <summary>The gateway's verdict: null means it never answers.</summary>
    public PaymentVerdict? Charge(Guid orderId, decimal amount)
    {
        if (decimal.Remainder(amount * 100, 100) == 13)
        {
            return null;
        }
        if (amount > options.CardLimit)
        {
            return new PaymentVerdict(false, null, $"amount {amount:0.00} exceeds the card limit of {options.CardLimit:0.00}");
        }
        return new PaymentVerdict(true, "tx-" + orderId.ToString("N")[..12], null);
    }
}
