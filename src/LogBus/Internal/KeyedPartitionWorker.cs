using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Handles up to N records of a partition at once while keeping per-key order: a record whose key is
/// being handled waits behind it; records without key run as soon as a slot is free. The committable
/// position is the lowest offset not yet finished (<see cref="OffsetTracker"/>).
/// </summary>
/// <remarks>
/// Bounds: at most <c>capacity</c> records are taken from the buffer and not yet finished (queued behind
/// a key or running), at most <c>concurrency</c> run at once.
/// </remarks>
internal sealed class KeyedPartitionWorker : PartitionWorker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<KeyBytes, Queue<LogRecord>?> _busyKeys = [];
    private readonly OffsetTracker _tracker;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _outstanding;
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private bool _readerDone;

    public KeyedPartitionWorker(TopicPartition partition, MessageDispatcher dispatcher, int capacity, int concurrency, Action<PartitionWorker> spaceAvailable)
        : base(partition, dispatcher, capacity, spaceAvailable)
    {
        _tracker = new OffsetTracker(capacity);
        _slots = new SemaphoreSlim(concurrency, concurrency);
        _outstanding = new SemaphoreSlim(capacity, capacity);
    }

    protected override async Task ProcessAsync(CancellationToken stop, CancellationToken abort)
    {
        var reader = Buffer;
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (!stop.IsCancellationRequested && reader.TryDequeue(out var record))
                {
                    await _outstanding.WaitAsync(stop).ConfigureAwait(false);
                    bool startNow;
                    lock (_gate)
                    {
                        _tracker.Add(record.Offset);
                        startNow = true;
                        if (record.Key is { } key)
                        {
                            var k = new KeyBytes(key);
                            if (_busyKeys.TryGetValue(k, out var queue))
                            {
                                (_busyKeys[k] = queue ?? new Queue<LogRecord>()).Enqueue(record);
                                startNow = false;
                            }
                            else
                            {
                                _busyKeys[k] = null;
                            }
                        }
                    }
                    if (startNow)
                    {
                        await _slots.WaitAsync(stop).ConfigureAwait(false);
                        Interlocked.Increment(ref _running);
                        _ = RunAsync(record, abort);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        lock (_gate)
        {
            _readerDone = true;
            if (Volatile.Read(ref _running) == 0)
            {
                _idle.TrySetResult();
            }
        }
        await _idle.Task.ConfigureAwait(false);
    }

    private async Task RunAsync(LogRecord record, CancellationToken abort)
    {
        try
        {
            while (true)
            {
                var finished = await Dispatcher.HandleAsync(record, abort).ConfigureAwait(false);
                LogRecord? next = null;
                lock (_gate)
                {
                    if (finished)
                    {
                        _tracker.Complete(record.Offset);
                        if (_tracker.Position >= 0)
                        {
                            SetPosition(_tracker.Position);
                        }
                        _outstanding.Release();
                    }
                    if (record.Key is { } key)
                    {
                        var k = new KeyBytes(key);
                        if (finished && !StopRequested && _busyKeys[k] is { Count: > 0 } queue)
                        {
                            next = queue.Dequeue();
                        }
                        else
                        {
                            _busyKeys.Remove(k);
                        }
                    }
                }
                OnProgress();
                if (next is null)
                {
                    break;
                }
                record = next;
            }
        }
        finally
        {
            _slots.Release();
            lock (_gate)
            {
                if (Interlocked.Decrement(ref _running) == 0 && _readerDone)
                {
                    _idle.TrySetResult();
                }
            }
        }
    }
}
