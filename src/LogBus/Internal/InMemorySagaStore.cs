using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>
/// The default saga store: instances and scheduled messages in process memory (lost on restart), with
/// the same optimistic-concurrency rules as durable stores. Shareable between buses of one process
/// through <see cref="InMemorySagaRepository"/>.
/// </summary>
internal sealed class InMemorySagaStore : ISagaStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Saga, string Id), SagaInstance> _instances = [];
    private readonly List<SagaTimeout> _timeouts = [];
    private long _nextTimeoutId;

    public Task<SagaInstance?> LoadAsync(IServiceProvider scope, string saga, string correlationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_instances.TryGetValue((saga, correlationId), out var stored) ? Copy(stored) : null);
        }
    }

    public Task SaveAsync(IServiceProvider scope, SagaInstance instance, IReadOnlyList<SagaTimeout> scheduled, bool completed, TimeSpan keepCompletedFor, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var key = (instance.Saga, instance.CorrelationId);
            _instances.TryGetValue(key, out var stored);
            if ((stored?.Version ?? 0) != instance.Version)
            {
                throw new SagaConcurrencyException($"Saga {instance.Saga} instance {instance.CorrelationId} changed concurrently (expected version {instance.Version}, found {stored?.Version ?? 0}).");
            }
            if (completed)
            {
                _timeouts.RemoveAll(t => t.Saga == instance.Saga && t.CorrelationId == instance.CorrelationId);
                if (keepCompletedFor <= TimeSpan.Zero)
                {
                    _instances.Remove(key);
                    return Task.CompletedTask;
                }
                instance.CompletedAtMs = instance.UpdatedAtMs;
            }
            else
            {
                foreach (var timeout in scheduled)
                {
                    timeout.Id = ++_nextTimeoutId;
                    _timeouts.Add(timeout);
                }
            }
            var saved = Copy(instance);
            saved.Version++;
            _instances[key] = saved;
            instance.Version = saved.Version;
        }
        return Task.CompletedTask;
    }

    public bool CanRetryInScope(IServiceProvider scope) => true;

    public async Task<int> DispatchDueAsync(IServiceScopeFactory scopes, Func<IServiceProvider, SagaTimeout, Task> publish, long nowMs, int max, CancellationToken cancellationToken)
    {
        // Claimed (removed) before publishing, so buses sharing this store never publish one twice;
        // put back when publishing fails.
        List<SagaTimeout> due;
        lock (_gate)
        {
            due = _timeouts.Where(t => t.DueAtMs <= nowMs).OrderBy(t => t.DueAtMs).Take(max).ToList();
            foreach (var timeout in due)
            {
                _timeouts.Remove(timeout);
            }
        }
        for (var i = 0; i < due.Count; i++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await publish(scope.ServiceProvider, due[i]).ConfigureAwait(false);
            }
            catch
            {
                lock (_gate)
                {
                    _timeouts.AddRange(due.Skip(i));
                }
                throw;
            }
        }
        return due.Count;
    }

    public Task PurgeCompletedAsync(IServiceScopeFactory scopes, long completedBeforeMs, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var key in _instances.Where(i => i.Value.CompletedAtMs < completedBeforeMs).Select(i => i.Key).ToList())
            {
                _instances.Remove(key);
            }
        }
        return Task.CompletedTask;
    }

    private static SagaInstance Copy(SagaInstance source) => new()
    {
        Saga = source.Saga,
        CorrelationId = source.CorrelationId,
        State = source.State,
        Version = source.Version,
        CreatedAtMs = source.CreatedAtMs,
        UpdatedAtMs = source.UpdatedAtMs,
        CompletedAtMs = source.CompletedAtMs,
    };
}
