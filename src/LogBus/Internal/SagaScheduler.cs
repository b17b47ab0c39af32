using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogBus.Internal;

/// <summary>
/// Publishes sagas' scheduled messages when they are due, through each saga's store (so a durable store
/// hands them to the outbox atomically), and purges completed instances kept past their time.
/// </summary>
internal sealed class SagaScheduler(LogBusConfiguration configuration, IServiceProvider services, IServiceScopeFactory scopes, BusRuntime runtime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sagas = configuration.Sagas;
        if (sagas.Count == 0)
        {
            return;
        }
        var interval = sagas.Min(s => s.Options.SchedulePollInterval);
        using var timer = new PeriodicTimer(interval);
        do
        {
            foreach (var store in sagas.Select(s => (Saga: s, Store: s.Store(services))).DistinctBy(s => s.Store))
            {
                try
                {
                    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    while (await store.Store.DispatchDueAsync(scopes, PublishAsync, now, 500, stoppingToken).ConfigureAwait(false) == 500)
                    {
                    }
                    var keep = sagas.Where(s => s.Store(services) == store.Store).Max(s => s.Options.KeepCompletedFor);
                    if (keep > TimeSpan.Zero)
                    {
                        await store.Store.PurgeCompletedAsync(scopes, now - (long)keep.TotalMilliseconds, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    runtime.Logger.LogWarning(ex, "Publishing scheduled saga messages failed; retrying in {Interval}", interval);
                }
            }
        }
        while (await Tick(timer, stoppingToken).ConfigureAwait(false));
    }

    private async Task PublishAsync(IServiceProvider scope, SagaTimeout timeout)
    {
        if (!runtime.Registry.TryGetByName(timeout.MessageType, out var metadata))
        {
            runtime.Logger.LogError("Scheduled message of saga {Saga} ({CorrelationId}) has unknown type {MessageType}; dropped", timeout.Saga, timeout.CorrelationId, timeout.MessageType);
            return;
        }
        var message = metadata.DeserializeObject(runtime.Serializer, timeout.Payload);
        await scope.GetRequiredService<IPublisher>().Publish(message).ConfigureAwait(false);
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
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
