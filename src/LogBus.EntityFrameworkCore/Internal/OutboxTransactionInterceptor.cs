using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>Reports outbox rows saved in an explicit transaction when it commits, and forgets them when it rolls back.</summary>
internal sealed class OutboxTransactionInterceptor<TDbContext>(OutboxRuntime<TDbContext> outbox) : DbTransactionInterceptor
    where TDbContext : DbContext
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && outbox.PendingOf(context) is { } pending)
        {
            outbox.OnCommitted(pending.OnCommitted());
        }
    }

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            outbox.PendingOf(context)?.OnRolledBack();
        }
    }

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }
}
