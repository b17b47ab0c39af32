using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Follows SaveChanges of contexts with outbox rows: records which rows a save writes, on PostgreSQL
/// sends <c>NOTIFY logbus_outbox</c> inside the same transaction (so other instances' relays wake when it
/// commits), and reports rows committed by an implicit transaction.
/// </summary>
internal sealed class OutboxSaveChangesInterceptor<TDbContext>(OutboxRuntime<TDbContext> outbox) : SaveChangesInterceptor
    where TDbContext : DbContext
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context)
        {
            outbox.PendingOf(context)?.OnSaving(context);
        }
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        SavingChanges(eventData, result);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        OnSavedAsync(eventData, CancellationToken.None, async: false).GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await OnSavedAsync(eventData, cancellationToken, async: true).ConfigureAwait(false);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            outbox.PendingOf(context)?.OnSaveFailed();
        }
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    private async Task OnSavedAsync(DbContextEventData eventData, CancellationToken cancellationToken, bool async)
    {
        if (eventData.Context is not { } context || outbox.PendingOf(context) is not { } pending)
        {
            return;
        }
        var inTransaction = context.Database.CurrentTransaction is not null;
        var committed = pending.OnSaved(inTransaction, out var saved);
        if (outbox.Options.Database == OutboxDatabase.Postgres && saved > 0)
        {
            try
            {
                // Inside the transaction: PostgreSQL delivers it at commit, never for a rollback.
                if (async)
                {
                    await context.Database.ExecuteSqlRawAsync(PostgresOutboxDialect.NotifySql, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    context.Database.ExecuteSqlRaw(PostgresOutboxDialect.NotifySql);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The rows are saved; relays find them by polling.
                Log.NotifyFailed(outbox.Logger, ex);
            }
        }
        outbox.OnCommitted(committed);
    }
}
