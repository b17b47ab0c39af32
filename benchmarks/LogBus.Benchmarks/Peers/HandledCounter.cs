namespace LogBus.Benchmarks.Peers;

/// <summary>Counts handler calls and completes a round when the expected number arrived (shared by every system's no-op handler).</summary>
internal sealed class HandledCounter
{
    private long _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts a round of <paramref name="count"/> messages; the task completes at the last one.</summary>
    public Task Expect(int count)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, count);
        return _done.Task;
    }

    /// <summary>One handler call.</summary>
    public void Hit()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}
