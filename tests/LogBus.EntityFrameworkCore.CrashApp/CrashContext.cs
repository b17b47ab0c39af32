using LogBus.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LogBus.EntityFrameworkCore.CrashApp;

/// <summary>The crash app's database: the outbox, the inbox and what the verifier applied.</summary>
public sealed class CrashContext(DbContextOptions<CrashContext> options) : DbContext(options)
{
    public DbSet<AppliedOrder> Applied => Set<AppliedOrder>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AppliedOrder>().ToTable("applied_orders").HasKey(a => a.Id);
        modelBuilder.AddLogBusOutbox();
        modelBuilder.AddLogBusInbox();
    }
}

/// <summary>One handler run that committed.</summary>
public sealed class AppliedOrder
{
    public long Id { get; set; }
    public Guid MessageId { get; set; }
    public int Number { get; set; }
}

/// <summary>The message the crash app publishes.</summary>
public sealed record CrashOrder(int Number, string Customer);
