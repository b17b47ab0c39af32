using System.Diagnostics;
using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Handles a partition strictly in offset order, one record at a time, with a synchronous fast path:
/// the fetch loop that enqueued records drains them itself while handlers complete synchronously, so a
/// record costs no thread hand-off. A handler that goes asynchronous continues the drain on the thread
/// pool when it completes, and the fetch loop moves on to other partitions. A partition whose
/// synchronous handlers keep the fetch loop busy beyond <see cref="InlineBudget"/> is drained on the
/// thread pool from then on, so CPU-heavy handlers of different partitions run in parallel.
/// </summary>
/// <remarks>
/// At most one drainer runs at a time (<c>_running</c>, changed under <c>_gate</c>), which keeps offset
/// order and makes the drainer the single consumer of the single-producer queue.
/// </remarks>
internal sealed class SequentialPartitionWorker(TopicPartition partition, MessageDispatcher dispatcher, int capacity, Action<PartitionWorker> spaceAvailable)
    : PartitionWorker(partition, dispatcher, capacity, spaceAvailable), IThreadPoolWorkItem
{
    private static readonly long InlineBudget = Stopwatch.Frequency / 1000; // 1 ms
    private static readonly long OffloadPeriod = Stopwatch.Frequency / 10; // 100 ms

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _running;
    private bool _stopRequested;
    private long _offloadUntil;

    public override void Start()
    {
    }

    public override void Schedule()
    {
        lock (_gate)
        {
            if (_running || _stopRequested)
            {
                return;
            }
            _running = true;
        }
        if (Stopwatch.GetTimestamp() < Volatile.Read(ref _offloadUntil))
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            Drain(inline: true);
        }
    }

    public override Task StopAsync()
    {
        lock (_gate)
        {
            _stopRequested = true;
            if (!_running)
            {
                _stopped.TrySetResult();
            }
        }
        Buffer.Complete();
        return _stopped.Task;
    }

    public override bool Stopped => _stopped.Task.IsCompleted;

    public override string Describe()
    {
        lock (_gate)
        {
            return $"{base.Describe()}, drain {(_running ? "running" : "idle")}, stop {(_stopRequested ? "requested" : "not requested")}";
        }
    }

    void IThreadPoolWorkItem.Execute() => Drain(inline: false);

    protected override Task ProcessAsync(CancellationToken stop, CancellationToken abort) => Task.CompletedTask;

    // Runs with _running set; clears it (or hands it to a continuation) before returning.
    private void Drain(bool inline)
    {
        var started = inline ? Stopwatch.GetTimestamp() : 0;
        while (true)
        {
            while (!Volatile.Read(ref _stopRequested) && Buffer.TryDequeue(out var record))
            {
                var handled = Dispatcher.HandleAsync(record, AbortToken);
                if (!handled.IsCompleted)
                {
                    _ = ContinueAsync(handled, record);
                    return;
                }
                if (!Finish(record, handled.Result))
                {
                    return;
                }
                if (inline && Stopwatch.GetTimestamp() - started > InlineBudget)
                {
                    // Synchronous handlers of this partition are heavy: stop blocking the fetch loop.
                    Volatile.Write(ref _offloadUntil, Stopwatch.GetTimestamp() + OffloadPeriod);
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    return;
                }
            }
            lock (_gate)
            {
                if (_stopRequested || Buffer.Count == 0)
                {
                    _running = false;
                    if (_stopRequested)
                    {
                        _stopped.TrySetResult();
                    }
                    return;
                }
            }
        }
    }

    private async Task ContinueAsync(ValueTask<bool> pending, LogRecord record)
    {
        bool finished;
        try
        {
            finished = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The dispatcher never throws; if it does, stop this partition rather than skip the record.
            Debug.Fail("MessageDispatcher.HandleAsync threw: " + ex);
            finished = false;
        }
        if (Finish(record, finished))
        {
            Drain(inline: false);
        }
    }

    // Records a finished record; false (after releasing the drain) when it was cancelled instead.
    private bool Finish(LogRecord record, bool finished)
    {
        if (!finished)
        {
            // Cancelled (stop or abort): the record stays uncommitted and will be redelivered.
            lock (_gate)
            {
                _running = false;
                _stopped.TrySetResult();
            }
            return false;
        }
        SetPosition(record.Offset + 1);
        OnProgress();
        return true;
    }
}
