namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Wakes the relay: set after a local commit of outbox rows and by PostgreSQL notifications. Auto-reset,
/// one waiter (the relay loop).
/// </summary>
internal sealed class OutboxSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        if (_semaphore.CurrentCount == 0)
        {
            try
            {
                _semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already set by a concurrent caller.
            }
        }
    }

    /// <summary>Waits for a signal or the timeout; true when signalled.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
