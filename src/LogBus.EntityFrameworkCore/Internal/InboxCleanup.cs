using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>Deletes inbox rows older than the retention, every cleanup interval (when the model has an inbox).</summary>
internal sealed class InboxCleanup<TDbContext>(OutboxRuntime<TDbContext> outbox, IServiceScopeFactory scopeFactory) : BackgroundService
    where TDbContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(outbox.Options.InboxCleanupInterval);
        do
        {
            try
            {
                await DeleteExpiredAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.InboxCleanupFailed(outbox.Logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Deletes expired rows; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        if (db.Model.FindEntityType(typeof(InboxMessage)) is null)
        {
            return 0;
        }
        var before = DateTimeOffset.UtcNow.Add(-outbox.Options.InboxRetention).ToUnixTimeMilliseconds();
        return await db.Set<InboxMessage>().Where(m => m.ProcessedAtMs < before).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
