using LogBus.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LogBus.EntityFrameworkCore.Tests;

public sealed class Order
{
    public Guid Id { get; set; }
    public string Customer { get; set; } = "";
    public int Sequence { get; set; }
}

/// <summary>What a consumer with the inbox applied: one row per handler run that committed.</summary>
public sealed class Applied
{
    public long Id { get; set; }
    public Guid MessageId { get; set; }
    public string Customer { get; set; } = "";
    public int Sequence { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<Applied> Applied => Set<Applied>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>().ToTable("orders");
        modelBuilder.Entity<Applied>(e =>
        {
            e.ToTable("applied");
            e.HasKey(a => a.Id);
        });
        modelBuilder.AddLogBusOutbox();
        modelBuilder.AddLogBusInbox();
        modelBuilder.AddLogBusSagas();
    }
}

public sealed record OrderPlaced(Guid OrderId, string Customer, int Sequence);

public sealed record Huge(string Customer, string Payload);
