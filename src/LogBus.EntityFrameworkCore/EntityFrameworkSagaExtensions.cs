using LogBus.EntityFrameworkCore.Internal;
using Microsoft.EntityFrameworkCore;

namespace LogBus;

/// <summary>The EF Core saga store.</summary>
public static class EntityFrameworkSagaExtensions
{
    /// <summary>
    /// Keeps the saga's instances and scheduled messages in <typeparamref name="TDbContext"/> (add the
    /// tables with <c>modelBuilder.AddLogBusSagas()</c>). The state is saved in the message scope's
    /// DbContext, so with the outbox (and the inbox) the state change, the published messages and the
    /// inbox row commit in one transaction. Concurrent updates of one instance are detected with a version
    /// column; the loser re-runs against the winner's state. Scheduled messages survive restarts.
    /// </summary>
    public static SagaOptions UseEntityFramework<TDbContext>(this SagaOptions options)
        where TDbContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new EntityFrameworkSagaStore<TDbContext>();
        return options.UseStore(_ => store);
    }
}
