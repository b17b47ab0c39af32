using LogBus.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Orders.Data;

/// <summary>
/// The application's database. Besides its own tables it holds LogBus's: the outbox (messages waiting
/// for the relay), the inbox (messages a consumer already handled) and the saga instances with their
/// scheduled timeouts, so that business changes and messages always commit together.
/// </summary>
public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<StockItem> Stock => Set<StockItem>();
    public DbSet<Payment> Payments => Set<Payment>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.Property(o => o.Status).HasConversion<string>().HasMaxLength(20);
            order.Property(o => o.CustomerId).HasMaxLength(100);
            order.Property(o => o.Sku).HasMaxLength(50);
            order.Property(o => o.Amount).HasPrecision(12, 2);
            order.HasIndex(o => o.CustomerId);
            order.Ignore(o => o.IsFinal);
        });
        modelBuilder.Entity<StockItem>(stock =>
        {
            stock.ToTable("stock");
            stock.HasKey(s => s.Sku);
        });
        modelBuilder.Entity<Payment>(payment =>
        {
            payment.ToTable("payments");
            payment.HasKey(p => p.OrderId);
            payment.Property(p => p.Amount).HasPrecision(12, 2);
        });

        modelBuilder.AddLogBusOutbox(); // logbus_outbox (+ lanes, relays): what Publish wrote, until the relay delivered it
        modelBuilder.AddLogBusInbox();  // logbus_inbox: (consumer group, message id) of every message handled exactly once
        modelBuilder.AddLogBusSagas();  // logbus_saga_instances, logbus_saga_scheduled: saga state and timeouts
    }
}
