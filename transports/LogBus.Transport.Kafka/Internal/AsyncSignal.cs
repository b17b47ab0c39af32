namespace LogBus.Transport.Kafka.Internal;

/// <summary>
/// An auto-reset wake-up signal for one waiting loop: <see cref="Set"/> from any thread, at most one
/// pending wake-up. The loop re-examines its state after every wake, so coalesced sets lose nothing.
/// </summary>
internal sealed class AsyncSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private int _pending;

    /// <summary>Wakes the waiter (or the next wait).</summary>
    public void Set()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _semaphore.Release();
        }
    }

    /// <summary>Waits for a set; false on timeout. Infinite timeouts are allowed.</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var signalled = await _semaphore.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (signalled)
        {
            // A full fence: state changed before a coalesced Set is visible to the scan that follows.
            Interlocked.Exchange(ref _pending, 0);
        }
        return signalled;
    }

    /// <inheritdoc />
    public void Dispose() => _semaphore.Dispose();
}
