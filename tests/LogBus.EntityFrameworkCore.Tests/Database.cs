using LogBus.EntityFrameworkCore.Tests;
using LogBus.Testing;
using Microsoft.EntityFrameworkCore;

namespace LogBus.EntityFrameworkCore.Tests;

/// <summary>One database of one provider for one test: created fresh, with LogBus's tables.</summary>
public abstract class Database
{
    public abstract string Provider { get; }

    public abstract void UseProvider(DbContextOptionsBuilder builder);

    public abstract void UseOutbox(OutboxOptions options);

    public async Task CreateAsync()
    {
        var builder = new DbContextOptionsBuilder<ShopContext>();
        UseProvider(builder);
        await using var db = new ShopContext(builder.Options);
        await db.Database.EnsureCreatedAsync();
        await OnCreatedAsync(db);
    }

    protected virtual Task OnCreatedAsync(ShopContext db) => Task.CompletedTask;

    public ShopContext Open()
    {
        var builder = new DbContextOptionsBuilder<ShopContext>();
        UseProvider(builder);
        return new ShopContext(builder.Options);
    }
}

public sealed class SqliteDatabase : Database, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logbus-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    public SqliteDatabase() => Directory.CreateDirectory(_directory);

    public override string Provider => "sqlite";

    public string ConnectionString => $"Data Source={Path.Combine(_directory, "shop.db")};Default Timeout=30;Pooling=true";

    public override void UseProvider(DbContextOptionsBuilder builder) => builder.UseSqlite(ConnectionString);

    public override void UseOutbox(OutboxOptions options) => options.UseSqlite();

    protected override async Task OnCreatedAsync(ShopContext db) =>
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class PostgresDatabase(string connectionString) : Database
{
    public override string Provider => "postgres";

    public string ConnectionString { get; } = connectionString;

    public override void UseProvider(DbContextOptionsBuilder builder) => builder.UseNpgsql(ConnectionString);

    public override void UseOutbox(OutboxOptions options) => options.UsePostgres();
}

/// <summary>One PostgreSQL server for every test of the assembly's collection; each test creates its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(nameof(PostgresCollection))]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
