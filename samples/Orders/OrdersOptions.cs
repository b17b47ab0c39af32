namespace Orders;

/// <summary>The sample's own settings (configuration section <c>Orders</c>).</summary>
public sealed class OrdersOptions
{
    /// <summary>How long the saga waits for the payment service's answer before it cancels the order.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The simulated gateway declines amounts above this.</summary>
    /// <remarks>Defaults to 1000.</remarks>
    public decimal CardLimit { get; set; } = 1000m;

    /// <summary>
    /// Where the SQLite database and the embedded broker's logs live when no connection string and no
    /// bootstrap servers are configured. Outside the repository on purpose: running the sample leaves no
    /// files in the source tree. Kept between runs (orders survive a restart); delete it to start afresh.
    /// </summary>
    /// <remarks>Defaults to <c>logbus-orders</c> under the temporary directory (<c>/tmp/logbus-orders</c> on Linux).</remarks>
    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "logbus-orders");
}
