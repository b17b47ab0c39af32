using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>
/// Persists saga instances and their scheduled messages. Implementations: in-memory (default, lost with
/// the process) and EF Core (durable; joins the scope's DbContext unit of work, so state, outbox rows and
/// the inbox row commit together).
/// </summary>
internal interface ISagaStore
{
    /// <summary>Loads an instance (null when none), using the message's scope.</summary>
    Task<SagaInstance?> LoadAsync(IServiceProvider scope, string saga, string correlationId, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts (version 0) or updates (expecting the loaded version) the instance with its new scheduled
    /// messages; a completed instance is deleted (or marked, when kept) and its scheduled messages
    /// cancelled. Throws <see cref="SagaConcurrencyException"/> when another update or insert won.
    /// </summary>
    Task SaveAsync(IServiceProvider scope, SagaInstance instance, IReadOnlyList<SagaTimeout> scheduled, bool completed, TimeSpan keepCompletedFor, CancellationToken cancellationToken);

    /// <summary>Whether a handler may be re-run in the same scope after a conflict (false inside an ambient transaction, which the conflict aborted).</summary>
    bool CanRetryInScope(IServiceProvider scope);

    /// <summary>
    /// Publishes due scheduled messages through <paramref name="publish"/> and removes them; returns how
    /// many. Each message is handed over at least once; durable stores with an outbox hand it over
    /// exactly once (remove and outbox insert in one transaction).
    /// </summary>
    Task<int> DispatchDueAsync(IServiceScopeFactory scopes, Func<IServiceProvider, SagaTimeout, Task> publish, long nowMs, int max, CancellationToken cancellationToken);

    /// <summary>Deletes completed instances kept past their time.</summary>
    Task PurgeCompletedAsync(IServiceScopeFactory scopes, long completedBeforeMs, CancellationToken cancellationToken);
}
