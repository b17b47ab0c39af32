using System.Runtime.CompilerServices;
using LogBus.Internal;
using LogBus.Transport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// The outbox of one DbContext type (a singleton): options, the relay signal, the rows each DbContext
/// instance published but has not committed yet, and what happens at commit (wake the relay, tell the
/// bus's observers).
/// </summary>
internal sealed class OutboxRuntime<TDbContext>(OutboxOptions options, OutboxSignal signal, BusRuntime bus, ILoggerFactory loggerFactory)
    where TDbContext : DbContext
{
    private readonly ConditionalWeakTable<DbContext, OutboxPending> _pending = [];

    public OutboxOptions Options { get; } = options;

    public OutboxSignal Signal { get; } = signal;

    public BusRuntime Bus { get; } = bus;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("LogBus.Outbox");

    public OutboxDialect Dialect { get; } = options.Database == OutboxDatabase.Postgres ? new PostgresOutboxDialect() : new SqliteOutboxDialect();

    /// <summary>Adds a message to a DbContext as an outbox row (no database I/O).</summary>
    public void Add(DbContext context, in OutgoingMessage message)
    {
        var record = message.Record;
        var row = new OutboxMessage
        {
            Lane = LaneOf(record.Key, message.MessageId, Options.Lanes),
            Topic = record.Topic,
            Key = record.Key?.ToArray(),
            Value = record.Value.ToArray(),
            Headers = OutboxHeaders.Encode(record.Headers),
            MessageId = message.MessageId,
            MessageType = message.Metadata.Name,
            CreatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        try
        {
            context.Set<OutboxMessage>().Add(row);
        }
        catch (InvalidOperationException ex) when (context.Model.FindEntityType(typeof(OutboxMessage)) is null)
        {
            throw new InvalidOperationException(
                $"{typeof(TDbContext).Name} has no outbox table: call modelBuilder.AddLogBusOutbox() in its OnModelCreating (and add a migration).", ex);
        }
        _pending.GetOrCreateValue(context).Add(row, message);
    }

    /// <summary>Rows added to this context and not yet committed.</summary>
    public OutboxPending? PendingOf(DbContext context) => _pending.TryGetValue(context, out var pending) ? pending : null;

    /// <summary>Rows became visible to relays: wake the local relay and report them published.</summary>
    public void OnCommitted(IReadOnlyList<OutgoingMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }
        Signal.Set();
        foreach (var message in messages)
        {
            foreach (var observer in Bus.Observers)
            {
                observer.OnPublishing(message);
                observer.OnPublished(message, new DeliveryResult(message.Record.Topic, -1, -1));
            }
        }
    }

    /// <summary>
    /// The lane of a row: FNV-1a of the key (or, without key, of the message id) modulo the lane count.
    /// Stable across processes and versions: every instance must agree.
    /// </summary>
    public static int LaneOf(ReadOnlyMemory<byte>? key, Guid messageId, int lanes)
    {
        if (key is { } k)
        {
            return (int)(Fnv1a(k.Span) % (uint)lanes);
        }
        Span<byte> id = stackalloc byte[16];
        messageId.TryWriteBytes(id);
        return (int)(Fnv1a(id) % (uint)lanes);
    }

    private static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash;
    }
}
