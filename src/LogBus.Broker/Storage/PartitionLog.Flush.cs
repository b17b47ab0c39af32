namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    // The flusher: one background loop per partition, the only code that fsyncs while the log is open.
    // Appenders, rolls and the flush.messages / flush.ms policies only signal it. A flush "round"
    // captures the log end offset, fsyncs every segment with unflushed bytes, then moves the recovery
    // point to the captured offset and completes the round's task, which every waiter that asked
    // before the capture shares (group commit: one fsync for all of them).
    private readonly object _flushGate = new();
    private readonly SemaphoreSlim _flushSignal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _flushStop = new();
    private TaskCompletionSource _nextFlushRound;
    private Task _flushLoop = Task.CompletedTask;
    private long _recoveryPoint;
    private long _truncations;
    private long _unflushedMessages;
    private long _firstUnflushedTick;
    private int _flushRequested;
    private int _signalPending;
    // Group-commit sibling wait (like PostgreSQL's commit_siblings/commit_delay): appenders released
    // by one round typically append again at once; a round that starts before they did splits the
    // appenders over alternating fsyncs (half of them per fsync). So a round first waits, briefly and
    // bounded by an event with a timeout, until as many waiters registered as the largest round of the
    // recent past had. A lone appender never waits (it expects only itself); when appenders go away the
    // expectation decays with the window.
    private readonly ManualResetEventSlim _siblingsArrived = new(false);
    private readonly int[] _recentRoundSizes = new int[RecentRounds];
    private int _recentRoundIndex;
    private int _roundWaiters;
    private int _expectedWaiters;
    private const int RecentRounds = 8;

    /// <summary>Longest a flush round waits for the appenders of recent rounds to register.</summary>
    internal static readonly TimeSpan MaxSiblingWait = TimeSpan.FromMilliseconds(1);

    /// <summary>Everything below this offset is fsynced (the recovery point).</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    /// <summary>
    /// Completes when every offset below <paramref name="offset"/> is fsynced, starting a flush round
    /// if needed. Throws <see cref="StorageException"/> when the fsync failed (the log is then offline:
    /// after a failed fsync the kernel may have dropped the dirty pages, so nothing unflushed can be
    /// trusted) and <see cref="ObjectDisposedException"/> when the log closed before.
    /// </summary>
    public ValueTask FlushToAsync(long offset, CancellationToken cancellationToken = default)
    {
        return RecoveryPoint >= offset ? ValueTask.CompletedTask : SlowFlushToAsync(offset, cancellationToken);
    }

    /// <summary>Flushes everything appended so far.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => FlushToAsync(LogEndOffset, cancellationToken);

    private async ValueTask SlowFlushToAsync(long offset, CancellationToken cancellationToken)
    {
        while (RecoveryPoint < offset)
        {
            ThrowIfUnusable();
            Task round;
            lock (_flushGate)
            {
                if (_recoveryPoint >= offset)
                {
                    return;
                }
                round = _nextFlushRound.Task;
                if (++_roundWaiters >= _expectedWaiters)
                {
                    _siblingsArrived.Set();
                }
            }
            RequestFlush();
            await round.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void StartFlusher()
    {
        _flushLoop = Task.Run(() => FlushLoopAsync(_flushStop.Token));
    }

    /// <summary>Asks the flusher for a round as soon as possible.</summary>
    private void RequestFlush()
    {
        Volatile.Write(ref _flushRequested, 1);
        WakeFlusher();
    }

    private void WakeFlusher()
    {
        if (Interlocked.Exchange(ref _signalPending, 1) == 0)
        {
            _flushSignal.Release();
        }
    }

    private void OnAppendedForFlush(long recordCount, LogConfig config)
    {
        var unflushed = Interlocked.Add(ref _unflushedMessages, recordCount);
        if (unflushed == recordCount && config.FlushMs != long.MaxValue)
        {
            // First unflushed data: arm the flush.ms deadline.
            Volatile.Write(ref _firstUnflushedTick, Environment.TickCount64);
            WakeFlusher();
        }
        if (unflushed >= config.FlushMessages)
        {
            RequestFlush();
        }
    }

    private TimeSpan FlushTimeout()
    {
        var flushMs = Config.FlushMs;
        if (flushMs == long.MaxValue || Volatile.Read(ref _unflushedMessages) == 0)
        {
            return Timeout.InfiniteTimeSpan;
        }
        var due = Volatile.Read(ref _firstUnflushedTick) + Math.Min(flushMs, int.MaxValue);
        return TimeSpan.FromMilliseconds(Math.Clamp(due - Environment.TickCount64, 0, int.MaxValue - 1));
    }

    private async Task FlushLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _flushSignal.WaitAsync(FlushTimeout(), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Volatile.Write(ref _signalPending, 0);
            var requested = Interlocked.Exchange(ref _flushRequested, 0) == 1;
            if (requested || FlushTimeout() == TimeSpan.Zero)
            {
                RunFlushRound();
            }
        }
    }

    private void RunFlushRound()
    {
        TaskCompletionSource round;
        long target, truncations;
        WaitForSiblings();
        lock (_flushGate)
        {
            round = _nextFlushRound;
            _nextFlushRound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _recentRoundSizes[_recentRoundIndex] = _roundWaiters;
            _recentRoundIndex = (_recentRoundIndex + 1) % RecentRounds;
            _expectedWaiters = _recentRoundSizes.Max();
            _roundWaiters = 0;
            _siblingsArrived.Reset();
            // Captured after the swap: every waiter holding `round` appended before this read.
            Interlocked.Exchange(ref _unflushedMessages, 0);
            target = LogEndOffset;
            truncations = _truncations;
        }
        try
        {
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw new StorageException(DirectoryPath, $"partition log is offline after an I/O error: {failure.Message}", failure);
            }
            FlushSegments();
            lock (_flushGate)
            {
                // A truncation since the capture may have removed offsets below the target.
                if (truncations == _truncations && target > _recoveryPoint)
                {
                    Volatile.Write(ref _recoveryPoint, target);
                }
            }
            round.TrySetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            MarkFailed(e);
            round.TrySetException(e is StorageException ? e : new StorageException(DirectoryPath, $"fsync failed: {e.Message}", e));
        }
    }

    private void WaitForSiblings()
    {
        int waiting, expected;
        lock (_flushGate)
        {
            waiting = _roundWaiters;
            expected = _expectedWaiters;
        }
        if (expected <= 1 || waiting == 0 || waiting >= expected)
        {
            return;
        }
        _siblingsArrived.Wait(MaxSiblingWait);
    }

    /// <summary>fsyncs every segment from the one holding the recovery point on that has unflushed bytes.</summary>
    private void FlushSegments()
    {
        var segments = Volatile.Read(ref _segments);
        for (var i = Math.Max(0, FloorIndex(segments, RecoveryPoint)); i < segments.Length; i++)
        {
            var segment = segments[i];
            if (!segment.NeedsFlush || !segment.TryAcquire())
            {
                continue;
            }
            try
            {
                segment.Flush();
            }
            finally
            {
                segment.Release();
            }
        }
    }

    /// <summary>Lowers the recovery point after a truncation (under the append lock).</summary>
    private void LowerRecoveryPointLocked(long offset)
    {
        lock (_flushGate)
        {
            _truncations++;
            if (_recoveryPoint > offset)
            {
                Volatile.Write(ref _recoveryPoint, offset);
            }
        }
    }

    private void StopFlusher()
    {
        lock (_flushGate)
        {
            if (!_flushStop.IsCancellationRequested)
            {
                _flushStop.Cancel();
            }
        }
        try
        {
            _flushLoop.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    /// <summary>Fails the pending round's waiters at close; they re-check and see the log closed.</summary>
    private void ReleaseFlushWaiters()
    {
        lock (_flushGate)
        {
            _nextFlushRound.TrySetResult();
        }
    }
}
