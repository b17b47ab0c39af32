using LogBus.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Saga instances and scheduled messages in the application's <typeparamref name="TDbContext"/>. Joins
/// the message scope's DbContext: the state, the outbox rows the handler published and (with the inbox)
/// the inbox row commit together. Optimistic concurrency on the version column; a lost race surfaces as
/// <see cref="SagaConcurrencyException"/>.
/// </summary>
internal sealed class EntityFrameworkSagaStore<TDbContext> : ISagaStore
    where TDbContext : DbContext
{
    public async Task<SagaInstance?> LoadAsync(IServiceProvider scope, string saga, string correlationId, CancellationToken cancellationToken)
    {
        var db = Context(scope);
        var row = await db.Set<SagaInstanceRecord>().FindAsync([saga, correlationId], cancellationToken).ConfigureAwait(false);
        return row is null ? null : new SagaInstance
        {
            Saga = row.Saga,
            CorrelationId = row.CorrelationId,
            State = row.State,
            Version = row.Version,
            CreatedAtMs = row.CreatedAtMs,
            UpdatedAtMs = row.UpdatedAtMs,
            CompletedAtMs = row.CompletedAtMs,
        };
    }

    public async Task SaveAsync(IServiceProvider scope, SagaInstance instance, IReadOnlyList<SagaTimeout> scheduled, bool completed, TimeSpan keepCompletedFor, CancellationToken cancellationToken)
    {
        var db = Context(scope);
        var instances = db.Set<SagaInstanceRecord>();
        var row = instance.Version == 0 ? null : await instances.FindAsync([instance.Saga, instance.CorrelationId], cancellationToken).ConfigureAwait(false);
        if (instance.Version != 0 && row is null)
        {
            throw new SagaConcurrencyException($"Saga {instance.Saga} instance {instance.CorrelationId} was removed concurrently.");
        }
        if (completed)
        {
            var timeouts = await db.Set<SagaScheduledMessage>()
                .Where(t => t.Saga == instance.Saga && t.CorrelationId == instance.CorrelationId)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            db.Set<SagaScheduledMessage>().RemoveRange(timeouts);
        }
        if (completed && keepCompletedFor <= TimeSpan.Zero)
        {
            if (row is not null)
            {
                instances.Remove(row);
            }
        }
        else
        {
            if (row is null)
            {
                row = new SagaInstanceRecord { Saga = instance.Saga, CorrelationId = instance.CorrelationId, CreatedAtMs = instance.CreatedAtMs };
                instances.Add(row);
            }
            row.State = instance.State;
            row.UpdatedAtMs = instance.UpdatedAtMs;
            row.CompletedAtMs = completed ? instance.UpdatedAtMs : null;
            row.Version = instance.Version + 1; // the concurrency token's original value is the loaded version
            if (!completed)
            {
                foreach (var timeout in scheduled)
                {
                    db.Set<SagaScheduledMessage>().Add(new SagaScheduledMessage
                    {
                        Saga = timeout.Saga,
                        CorrelationId = timeout.CorrelationId,
                        DueAtMs = timeout.DueAtMs,
                        MessageType = timeout.MessageType,
                        Payload = timeout.Payload,
                    });
                }
            }
        }
        try
        {
            // Saves the outbox rows the handler published too: state and messages commit together.
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            instance.Version++;
        }
        catch (DbUpdateConcurrencyException ex)
        {
            Reset(db, scope);
            throw new SagaConcurrencyException($"Saga {instance.Saga} instance {instance.CorrelationId} changed concurrently.", ex);
        }
        catch (DbUpdateException ex) when (IsDuplicateKey(ex))
        {
            Reset(db, scope);
            throw new SagaConcurrencyException($"Saga {instance.Saga} instance {instance.CorrelationId} was started concurrently.", ex);
        }
    }

    public bool CanRetryInScope(IServiceProvider scope) => Context(scope).Database.CurrentTransaction is null;

    public async Task<int> DispatchDueAsync(IServiceScopeFactory scopes, Func<IServiceProvider, SagaTimeout, Task> publish, long nowMs, int max, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Context(scope.ServiceProvider);
        var outbox = scope.ServiceProvider.GetService<OutboxRuntime<TDbContext>>();
        if (outbox is null)
        {
            // No outbox: publish, then delete (at least once; instances on other hosts may both publish a due message).
            var due = await Due(db, nowMs, max, lockRows: false).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in due)
            {
                await publish(scope.ServiceProvider, ToTimeout(row)).ConfigureAwait(false);
                db.Remove(row);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            return due.Count;
        }
        // With the outbox: remove the due rows and write their outbox rows in one transaction (exactly
        // once). On PostgreSQL the rows are locked with SKIP LOCKED, so instances never take the same
        // ones; no broker I/O happens inside the transaction.
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            outbox.PendingOf(db)?.Reset();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var due = await Due(db, nowMs, max, lockRows: db.Database.IsNpgsql()).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in due)
            {
                await publish(scope.ServiceProvider, ToTimeout(row)).ConfigureAwait(false);
                db.Remove(row);
            }
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return due.Count;
        }).ConfigureAwait(false);
    }

    public async Task PurgeCompletedAsync(IServiceScopeFactory scopes, long completedBeforeMs, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await Context(scope.ServiceProvider).Set<SagaInstanceRecord>()
            .Where(s => s.CompletedAtMs != null && s.CompletedAtMs < completedBeforeMs)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IQueryable<SagaScheduledMessage> Due(TDbContext db, long nowMs, int max, bool lockRows) =>
        lockRows
            ? db.Set<SagaScheduledMessage>().FromSqlInterpolated(
                $"SELECT * FROM logbus_saga_scheduled WHERE due_at_ms <= {nowMs} ORDER BY due_at_ms LIMIT {max} FOR UPDATE SKIP LOCKED")
            : db.Set<SagaScheduledMessage>().Where(t => t.DueAtMs <= nowMs).OrderBy(t => t.DueAtMs).Take(max);

    private static SagaTimeout ToTimeout(SagaScheduledMessage row) => new()
    {
        Id = row.Id,
        Saga = row.Saga,
        CorrelationId = row.CorrelationId,
        DueAtMs = row.DueAtMs,
        MessageType = row.MessageType,
        Payload = row.Payload,
    };

    private static TDbContext Context(IServiceProvider scope)
    {
        var db = scope.GetRequiredService<TDbContext>();
        if (db.Model.FindEntityType(typeof(SagaInstanceRecord)) is null)
        {
            throw new InvalidOperationException($"{typeof(TDbContext).Name} has no saga tables: call modelBuilder.AddLogBusSagas() in its OnModelCreating (and add a migration).");
        }
        return db;
    }

    private static void Reset(TDbContext db, IServiceProvider scope)
    {
        db.ChangeTracker.Clear();
        scope.GetService<OutboxRuntime<TDbContext>>()?.PendingOf(db)?.Reset();
    }

    private static bool IsDuplicateKey(DbUpdateException exception) => exception.InnerException switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19,
        _ => false,
    };
}
