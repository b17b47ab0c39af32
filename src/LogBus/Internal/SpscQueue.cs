using System.Diagnostics;

namespace LogBus.Internal;

/// <summary>
/// A bounded, lock-free single-producer single-consumer queue with an async wait for the consumer.
/// The consumer runner's fetch loop is the one producer and a partition worker the one consumer; a
/// channel's lock made them contend on every record.
/// </summary>
internal sealed class SpscQueue<T> where T : class
{
    private readonly T?[] _items;
    private readonly int _mask;
    private PaddedLong _head; // next slot to read: written by the consumer only
    private PaddedLong _tail; // next slot to write: written by the producer only
    private int _waiting;
    private int _completed;
    private TaskCompletionSource<bool>? _waiter;

    public SpscQueue(int capacity)
    {
        var size = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity)));
        _items = new T?[size];
        _mask = size - 1;
        Capacity = capacity;
    }

    /// <summary>The bound: <see cref="TryEnqueue"/> fails when this many items are queued.</summary>
    public int Capacity { get; }

    /// <summary>Items queued (approximate when read by the other side).</summary>
    public int Count => (int)(Volatile.Read(ref _tail.Value) - Volatile.Read(ref _head.Value));

    /// <summary>Producer: adds an item; false when full or completed.</summary>
    public bool TryEnqueue(T item)
    {
        var tail = _tail.Value;
        if (Volatile.Read(ref _completed) != 0 || tail - Volatile.Read(ref _head.Value) >= Capacity)
        {
            return false;
        }
        _items[tail & _mask] = item;
        Volatile.Write(ref _tail.Value, tail + 1);
        if (Volatile.Read(ref _waiting) != 0 && Interlocked.Exchange(ref _waiting, 0) != 0)
        {
            Volatile.Read(ref _waiter)?.TrySetResult(true);
        }
        return true;
    }

    /// <summary>Consumer: takes the next item.</summary>
    public bool TryDequeue(out T item)
    {
        var head = _head.Value;
        if (head == Volatile.Read(ref _tail.Value))
        {
            item = null!;
            return false;
        }
        var slot = head & _mask;
        item = _items[slot]!;
        _items[slot] = null;
        Volatile.Write(ref _head.Value, head + 1);
        Debug.Assert(item is not null);
        return true;
    }

    /// <summary>Any side: no more items will be added; a waiting consumer wakes up.</summary>
    public void Complete()
    {
        Volatile.Write(ref _completed, 1);
        Interlocked.Exchange(ref _waiting, 0);
        Volatile.Read(ref _waiter)?.TrySetResult(false);
    }

    /// <summary>
    /// Consumer: completes with true when an item is available, false when the queue is completed and
    /// empty. Synchronous when items are already there.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (_head.Value != Volatile.Read(ref _tail.Value))
        {
            return new ValueTask<bool>(true);
        }
        if (Volatile.Read(ref _completed) != 0)
        {
            return new ValueTask<bool>(false);
        }
        return WaitSlowAsync(cancellationToken);
    }

    private async ValueTask<bool> WaitSlowAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        Volatile.Write(ref _waiting, 1);
        // Re-check after announcing the wait: the producer may have enqueued in between.
        if (_head.Value != Volatile.Read(ref _tail.Value))
        {
            Volatile.Write(ref _waiting, 0);
            return true;
        }
        if (Volatile.Read(ref _completed) != 0)
        {
            return false;
        }
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _waiting, 0);
        }
        return _head.Value != Volatile.Read(ref _tail.Value);
    }
}
