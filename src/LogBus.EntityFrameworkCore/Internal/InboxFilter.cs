using LogBus.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Exactly-once handling against the database: in one transaction, check the inbox row (consumer group,
/// message id), run the handler (its DbContext changes and outbox rows join the transaction), add the
/// inbox row, save and commit. A message already in the inbox is skipped; two deliveries racing each
/// other collide on the inbox key and the loser rolls back as a duplicate.
/// </summary>
internal sealed class InboxFilter<TDbContext>(TDbContext db, OutboxRuntime<TDbContext> outbox) : IConsumeFilter
    where TDbContext : DbContext
{
    public async Task InvokeAsync(MessageContext context, Func<Task> next)
    {
        if (db.Model.FindEntityType(typeof(InboxMessage)) is null)
        {
            throw new InvalidOperationException($"{typeof(TDbContext).Name} has no inbox table: call modelBuilder.AddLogBusInbox() in its OnModelCreating (and add a migration).");
        }
        var cancellationToken = context.CancellationToken;
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            // A retried unit of work starts from a clean slate.
            db.ChangeTracker.Clear();
            outbox.PendingOf(db)?.Reset();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var groupId = context.GroupId;
            var messageId = context.MessageId;
            if (await db.Set<InboxMessage>().AsNoTracking().AnyAsync(m => m.ConsumerGroup == groupId && m.MessageId == messageId, cancellationToken).ConfigureAwait(false))
            {
                Log.Duplicate(outbox.Logger, groupId, messageId);
                return;
            }
            await next().ConfigureAwait(false);
            db.Set<InboxMessage>().Add(new InboxMessage
            {
                ConsumerGroup = groupId,
                MessageId = messageId,
                ProcessedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException ex) when (IsDuplicateKey(ex))
            {
                // Another delivery of the same message committed first: this one is a duplicate.
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                db.ChangeTracker.Clear();
                outbox.PendingOf(db)?.Reset();
                Log.Duplicate(outbox.Logger, groupId, messageId);
            }
        }).ConfigureAwait(false);
    }

    private static bool IsDuplicateKey(DbUpdateException exception) => exception.InnerException switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 1555 or 2067,
        _ => false,
    };
}
