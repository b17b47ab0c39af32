using System.Collections.Concurrent;

namespace LogBus.Transport.Compliance;

/// <summary>
/// Collects what handlers saw, shared by every bus of a test (register as a singleton). Waits are
/// event-driven: they complete when the expected count is reached.
/// </summary>
public sealed class Probe
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _count;

    /// <summary>Every handled message in handling order: (group, key, sequence, partition, offset, instance).</summary>
    public ConcurrentQueue<Handled> Handled { get; } = new();

    /// <summary>Attempts per message id, failures included.</summary>
    public ConcurrentDictionary<Guid, int> Attempts { get; } = new();

    /// <summary>Number of successfully handled messages.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Records a successful handling.</summary>
    public void Record(Handled handled)
    {
        Handled.Enqueue(handled);
        lock (_gate)
        {
            _count++;
            foreach (var waiter in _waiters.Where(w => _count >= w.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> messages were handled.</summary>
    public Task WaitForCountAsync(int count, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_count >= count)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return WaitAsync(done.Task, count, timeout);
        }
    }

    private async Task WaitAsync(Task task, int count, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Expected {count} handled messages within {timeout}, saw {Count}.");
        }
    }
}

/// <summary>One handled message.</summary>
public sealed record Handled(string GroupId, string? Key, int Sequence, string Topic, int Partition, long Offset, string Instance, Guid MessageId);
