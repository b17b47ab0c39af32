namespace LogBus.Transport.InMemory.Internal;

/// <summary>
/// An auto-reset signal with one waiter: <see cref="Set"/> from any thread wakes the pending or next
/// <see cref="WaitAsync"/>. Setting when nobody waits costs two memory operations.
/// </summary>
internal sealed class AsyncSignal
{
    private int _set;
    private TaskCompletionSource? _waiter;

    public void Set()
    {
        if (Volatile.Read(ref _set) == 1)
        {
            return;
        }
        // A full fence between publishing the flag and reading the waiter (pairs with the waiter's
        // publish-then-exchange): a plain store followed by a load may be reordered, losing the wake-up.
        Interlocked.Exchange(ref _set, 1);
        Volatile.Read(ref _waiter)?.TrySetResult();
    }

    /// <summary>Waits until set (returns true, consuming the signal) or the timeout passes (false).</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _set, 0) == 1)
        {
            return true;
        }
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        try
        {
            if (Interlocked.Exchange(ref _set, 0) == 1)
            {
                return true;
            }
            try
            {
                await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Interlocked.Exchange(ref _set, 0) == 1;
            }
            Interlocked.Exchange(ref _set, 0);
            return true;
        }
        finally
        {
            Volatile.Write(ref _waiter, null);
        }
    }
}
