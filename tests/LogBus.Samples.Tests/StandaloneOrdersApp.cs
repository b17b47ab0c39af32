using LogBus.Testing;

namespace LogBus.Samples.Tests;

/// <summary>
/// The Orders app configured for production-like dependencies: a separate <c>logbus-broker</c> process
/// (<c>Broker:BootstrapServers</c>) and PostgreSQL (<c>ConnectionStrings:Orders</c>, a fresh database on
/// the test server), as a deployment would point it at Kafka and a real database.
/// </summary>
public sealed class StandaloneOrdersApp() : OrdersApp(TimeSpan.FromSeconds(60))
{
    private BrokerProcess? _broker;
    private PostgresServer? _postgres;

    /// <summary>The broker process the app uses.</summary>
    public BrokerProcess Broker => _broker ?? throw new InvalidOperationException("not started");

    protected override async Task<Dictionary<string, string>> StartDependenciesAsync()
    {
        try
        {
            _broker = await BrokerProcess.StartAsync("--group-initial-rebalance-delay-ms", "0");
            _postgres = await PostgresServer.StartAsync();
            var database = await _postgres.CreateDatabaseAsync("orders");
            return new Dictionary<string, string>
            {
                ["Broker:BootstrapServers"] = _broker.Bootstrap,
                ["ConnectionStrings:Orders"] = database,
            };
        }
        catch
        {
            await StopDependenciesAsync();
            throw;
        }
    }

    protected override async ValueTask StopDependenciesAsync()
    {
        try
        {
            if (_broker is not null)
            {
                await _broker.DisposeAsync();
            }
        }
        finally
        {
            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }
        }
    }
}
