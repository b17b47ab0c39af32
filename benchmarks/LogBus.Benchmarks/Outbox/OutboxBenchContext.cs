using LogBus.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LogBus.Benchmarks.Outbox;

/// <summary>The benchmark's DbContext: just LogBus's outbox tables.</summary>
internal sealed class OutboxBenchContext(DbContextOptions<OutboxBenchContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddLogBusOutbox();
}
