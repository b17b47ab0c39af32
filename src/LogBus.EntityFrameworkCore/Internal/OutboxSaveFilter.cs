using LogBus.Internal;
using Microsoft.EntityFrameworkCore;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// After a handler succeeds, saves outbox rows it published but did not save itself, so what a consumer
/// publishes is never dropped. (With the inbox, the inbox's transaction saves them first.)
/// </summary>
internal sealed class OutboxSaveFilter<TDbContext>(IPublishSink sink) : IConsumeFilter
    where TDbContext : DbContext
{
    public async Task InvokeAsync(MessageContext context, Func<Task> next)
    {
        await next().ConfigureAwait(false);
        if (sink is EntityFrameworkOutboxSink<TDbContext> { Unsaved: > 0, Context: { } db })
        {
            await db.SaveChangesAsync(context.CancellationToken).ConfigureAwait(false);
        }
    }
}
