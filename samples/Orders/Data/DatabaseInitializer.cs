using Microsoft.EntityFrameworkCore;

namespace Orders.Data;

/// <summary>
/// Creates the schema and the initial stock when the database is new. Registered before LogBus, so it
/// runs before the outbox relay and the consumers start.
/// </summary>
/// <remarks>
/// A sample shortcut: <c>EnsureCreated</c> instead of migrations (a real service adds a migration with
/// the LogBus tables in it, see <c>src/LogBus.EntityFrameworkCore/README.md</c>).
/// </remarks>
public sealed partial class DatabaseInitializer(IServiceScopeFactory scopes, ILogger<DatabaseInitializer> logger) : IHostedService
{
    /// <summary>The stock a new database starts with. LIMITED runs out quickly, on purpose.</summary>
    public static readonly IReadOnlyDictionary<string, int> InitialStock = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BOOK"] = 1_000_000,
        ["MUG"] = 1_000_000,
        ["TSHIRT"] = 1_000_000,
        ["LIMITED"] = 100,
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers run beside the one writer; the setting is stored in the database file.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using (var command = db.Database.GetDbConnection().CreateCommand())
            {
                command.CommandText = "PRAGMA journal_mode=WAL;";
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await db.Database.CloseConnectionAsync();
        }
        if (await db.Database.EnsureCreatedAsync(cancellationToken))
        {
            db.Stock.AddRange(InitialStock.Select(s => new StockItem { Sku = s.Key, Available = s.Value }));
            await db.SaveChangesAsync(cancellationToken);
            LogCreated(logger, db.Database.ProviderName ?? "?");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Created the orders database ({Provider}) with the initial stock")]
    private static partial void LogCreated(ILogger logger, string provider);
}
