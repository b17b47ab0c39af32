using LogBus.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// The scope's publish sink when the outbox is on: <see cref="IPublisher.Publish{T}(T, CancellationToken)"/>
/// adds a row to the scope's <typeparamref name="TDbContext"/>; it commits with SaveChanges (and with an
/// explicit transaction). No broker I/O on the caller's path.
/// </summary>
internal sealed class EntityFrameworkOutboxSink<TDbContext>(IServiceProvider services, OutboxRuntime<TDbContext> outbox) : IPublishSink, IDisposable
    where TDbContext : DbContext
{
    private TDbContext? _context;

    /// <summary>The scope's DbContext, once something was published.</summary>
    public TDbContext? Context => _context;

    /// <summary>Rows added in this scope and not saved yet.</summary>
    public int Unsaved => _context is null ? 0 : outbox.PendingOf(_context)?.Unsaved ?? 0;

    public ValueTask<bool> TryAcceptAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        _context ??= services.GetRequiredService<TDbContext>();
        outbox.Add(_context, message);
        return new ValueTask<bool>(true);
    }

    public void Dispose()
    {
        if (Unsaved is > 0 and var count)
        {
            Log.UnsavedMessages(outbox.Logger, count);
        }
    }
}
