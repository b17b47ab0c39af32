using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LogBus.Samples.Tests;

/// <summary>
/// The Orders sample in this process, as <c>dotnet run</c> starts it (embedded broker, SQLite), but with
/// its data in a fresh temporary directory, the embedded broker on a free port and the given payment
/// deadline. Disposing stops the app and deletes the directory.
/// </summary>
/// <param name="paymentTimeout">The saga's payment deadline.</param>
/// <param name="settings">Further configuration, e.g. <c>Broker:BootstrapServers</c> and <c>ConnectionStrings:Orders</c>.</param>
public sealed class OrdersFactory(TimeSpan paymentTimeout, IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
{
    /// <summary>The saga's payment deadline.</summary>
    public TimeSpan PaymentTimeout { get; } = paymentTimeout;

    /// <summary>The simulated gateway declines amounts above this.</summary>
    public const decimal CardLimit = 500m;

    /// <summary>The embedded broker's port (a free one; unused when <c>Broker:BootstrapServers</c> is set).</summary>
    public int BrokerPort { get; } = LogBus.Testing.FreePort.Next();

    /// <summary>Where the app keeps its SQLite database and the embedded broker's logs.</summary>
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "logbus-orders-test-" + Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orders:DataDirectory", DataDirectory);
        builder.UseSetting("Orders:PaymentTimeout", PaymentTimeout.ToString());
        builder.UseSetting("Orders:CardLimit", CardLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Broker:Port", BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
