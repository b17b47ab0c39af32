using System.Globalization;

namespace Orders.Demo;

/// <summary>
/// <c>--demo N [--concurrency C] [--in-flight W] [--demo-timeout SECONDS]</c>: place N orders through the
/// HTTP API with C requests and at most W unfinished orders at a time, wait (at most the timeout) until
/// every order is final, print a measured summary.
/// </summary>
public sealed class DemoOptions
{
    public int Orders { get; init; }

    /// <summary>Requests in flight while placing orders.</summary>
    /// <remarks>Defaults to 16.</remarks>
    public int Concurrency { get; init; } = 16;

    /// <summary>Orders placed but not yet final, at most.</summary>
    /// <remarks>
    /// Defaults to 50. The window bounds the consumers' backlog and with it every order's latency
    /// (Little's law: latency = orders in flight / throughput), which must stay well below the payment
    /// deadline: a payment answered after the deadline cancels an order the demo expects to complete.
    /// (With 100, a run on a heavily shared machine reached 8 orders/s and 20.6 s for its slowest
    /// completed order, the demo's deadline then being 20 s.)
    /// </remarks>
    public int InFlight { get; init; } = 50;

    /// <summary>
    /// How long to wait for every order to be final, at most (the demo also gives up earlier when no order
    /// finishes for the payment deadline plus a minute).
    /// </summary>
    /// <remarks>Defaults to 10 minutes plus 100 ms per order.</remarks>
    public TimeSpan Timeout { get; init; }

    /// <summary>The demo's options, or null when the arguments do not ask for the demo.</summary>
    public static DemoOptions? Parse(string[] args)
    {
        var index = Array.IndexOf(args, "--demo");
        if (index < 0)
        {
            return null;
        }
        var orders = index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException("--demo needs a positive number of orders, e.g. --demo 1000");
        var concurrency = Int(args, "--concurrency") ?? 16;
        var timeout = Int(args, "--demo-timeout") is { } seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(100.0 * orders);
        var inFlight = Int(args, "--in-flight") ?? 50;
        if (concurrency < 1 || inFlight < 1)
        {
            throw new ArgumentException("--concurrency and --in-flight must be positive");
        }
        return new DemoOptions { Orders = orders, Concurrency = concurrency, InFlight = inFlight, Timeout = timeout };
    }

    /// <summary>
    /// Demo defaults: a free HTTP port and quiet logs. The payment deadline stays the application's
    /// (30 s unless configured): it is what the unanswered payments (2 % of the demo's orders) wait for,
    /// so it sets the demo's tail, and a shorter one risks overtaking slow but answered payments on a
    /// busy machine.
    /// </summary>
    public void Configure(WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        // The progress line owns the console: only warnings and errors of the framework, and none of
        // the sample's own per-order lines (the gateway's simulated silence is a warning).
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orders", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Error);
    }

    private static int? Int(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
    }
}
