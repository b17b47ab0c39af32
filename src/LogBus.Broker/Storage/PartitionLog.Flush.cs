using System.Diagnostics;

namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    // Flushing works in rounds. A round captures the log end offset, fsyncs every segment with unflushed
    // bytes, moves the recovery point to the captured offset and completes the task that waiters of the
    // round hold. At most one round runs at a time; it is run by one of the callers that need it
    // (leader/follower group commit), on its own thread, without a thread hop: a lone appender at once,
    // concurrent ones as described below. Appenders arriving while a round fsyncs wait for it to end and
    // then either find themselves covered or gather in the next round, which then covers all of them
    // (one fsync for all who appended meanwhile). The
    // background flusher loop (owned by this object) runs rounds for the flush.messages / flush.ms
    // policies and after a roll.
    private readonly object _flushGate = new();
    private readonly SemaphoreSlim _flushSignal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _flushStop = new();
    private TaskCompletionSource _roundDone;
    private bool _roundRunning;
    private Task _flushLoop = Task.CompletedTask;
    private long _recoveryPoint;
    private long _truncations;
    private long _unflushedMessages;
    private long _firstUnflushedTick;
    private int _flushRequested;
    private int _signalPending;

    // Sibling wait (like PostgreSQL's commit_siblings/commit_delay): in a closed loop, appenders released
    // by one round append again at once, and a round that captures before they did covers only some of
    // them (the rest alternate into the next fsync). So a round first gathers as many participants as
    // there were appenders around during the recent rounds (everyone who waited on a round, whether it
    // covered them or not): the participant that completes the set runs it on its own thread, and the
    // earlier ones wait asynchronously, giving their threads back (which then run the continuations of
    // the other released appenders: no thread sits spinning, no extra thread is woken per round). A
    // timer runs a round that is still short of participants after MaxSiblingWait (appenders went
    // away); a lone appender expects only itself and runs its round at once, on its own thread; the
    // expectation decays when appenders go away.
    private readonly int[] _recentRoundSizes = new int[RecentRounds];
    private int _recentRoundIndex;
    private int _roundParticipants;
    private int _roundSeen;
    private int _expectedParticipants = 1;
    private bool _roundCaptured;
    private bool _roundLed;
    private long _roundId;
    private long _timerRoundId;
    private Timer? _siblingTimer;
    private const int RecentRounds = 8;

    /// <summary>Longest a flush round waits for the participants of recent rounds before it runs anyway.</summary>
    internal static readonly TimeSpan MaxSiblingWait = TimeSpan.FromMilliseconds(1);

    /// <summary>The sibling wait of this log (<see cref="MaxSiblingWait"/>; tests lengthen it to order events).</summary>
    internal TimeSpan SiblingWait { get; set; } = MaxSiblingWait;

    /// <summary>Participants gathered by a round that has not captured yet (0 when none is forming; tests).</summary>
    internal int FormingRoundParticipants
    {
        get
        {
            lock (_flushGate)
            {
                return _roundRunning && !_roundCaptured ? _roundParticipants : 0;
            }
        }
    }

    /// <summary>Everything below this offset is fsynced (the recovery point).</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    /// <summary>
    /// Completes when every offset below <paramref name="offset"/> is fsynced, running a flush round on
    /// the calling thread when none is running and no other participants are expected (then it
    /// completes synchronously) or when the caller completes the expected set of participants. Throws
    /// <see cref="StorageException"/> when the fsync failed (the log is then offline: after a failed
    /// fsync the kernel may have dropped the dirty pages, so nothing unflushed can be trusted) and
    /// <see cref="ObjectDisposedException"/> when the log closed first.
    /// </summary>
    public ValueTask FlushToAsync(long offset, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (RecoveryPoint >= offset)
            {
                return ValueTask.CompletedTask;
            }
            ThrowIfUnusable();
            Task? running = null;
            lock (_flushGate)
            {
                if (_recoveryPoint >= offset)
                {
                    return ValueTask.CompletedTask;
                }
                if (_roundRunning)
                {
                    _roundSeen++;
                    if (!_roundLed && ++_roundParticipants >= _expectedParticipants)
                    {
                        _roundLed = true; // completes the set: runs the round here
                    }
                    else
                    {
                        running = _roundDone.Task; // forming (covers us) or already capturing (it may not)
                    }
                }
                else
                {
                    _roundRunning = true;
                    _roundCaptured = false;
                    _roundParticipants = 1;
                    _roundSeen = 1;
                    _roundId++;
                    _roundLed = _expectedParticipants <= 1;
                    if (!_roundLed)
                    {
                        running = _roundDone.Task;
                        ArmSiblingTimerLocked();
                    }
                }
            }
            if (running is null)
            {
                RunRound(); // leads: fsyncs here; throws when the round failed
                continue;
            }
            return WaitForRoundAsync(running, offset, cancellationToken);
        }
    }

    private void ArmSiblingTimerLocked()
    {
        _timerRoundId = _roundId;
        if (_flushStop.IsCancellationRequested)
        {
            return; // closing: waiters are released by the close itself
        }
        _siblingTimer ??= new Timer(static state => ((PartitionLog)state!).OnSiblingWaitExpired(), this, Timeout.Infinite, Timeout.Infinite);
        _siblingTimer.Change(SiblingWait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Runs a round that gathered fewer participants than expected within <see cref="MaxSiblingWait"/> (timer thread).</summary>
    private void OnSiblingWaitExpired()
    {
        lock (_flushGate)
        {
            if (!_roundRunning || _roundLed || _roundId != _timerRoundId || _flushStop.IsCancellationRequested)
            {
                return;
            }
            _roundLed = true;
        }
        try
        {
            RunRound();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The round's waiters see the failure (the log is offline) or the close when they re-check.
        }
    }

    private async ValueTask WaitForRoundAsync(Task running, long offset, CancellationToken cancellationToken)
    {
        await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        await FlushToAsync(offset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes everything appended so far.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => FlushToAsync(LogEndOffset, cancellationToken);

    /// <summary>Runs one round; the caller set <see cref="_roundRunning"/>.</summary>
    private void RunRound()
    {
        long target, truncations;
        lock (_flushGate)
        {
            Debug.Assert(_roundRunning && _roundLed && !_roundCaptured, "the round is running, led by the caller and not captured yet");
            _roundCaptured = true;
            // Everything appended before this capture is covered by the round.
            Interlocked.Exchange(ref _unflushedMessages, 0);
            target = LogEndOffset;
            truncations = _truncations;
        }
        Exception? error = null;
        try
        {
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw new StorageException(DirectoryPath, $"partition log is offline after an I/O error: {failure.Message}", failure);
            }
            FlushSegments();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            error = e is StorageException ? e : new StorageException(DirectoryPath, $"fsync failed: {e.Message}", e);
            MarkFailed(e);
        }
        TaskCompletionSource done;
        lock (_flushGate)
        {
            // A truncation since the capture may have removed offsets below the target.
            if (error is null && truncations == _truncations && target > _recoveryPoint)
            {
                Volatile.Write(ref _recoveryPoint, target);
            }
            _roundRunning = false;
            _recentRoundSizes[_recentRoundIndex] = _roundSeen;
            _recentRoundIndex = (_recentRoundIndex + 1) % RecentRounds;
            _expectedParticipants = Math.Max(1, _recentRoundSizes.Max());
            done = _roundDone;
            _roundDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult(); // waiters re-check: covered, or run the next round, or see the failure
        if (error is not null)
        {
            throw error;
        }
    }

    private void StartFlusher()
    {
        _flushLoop = Task.Run(() => FlushLoopAsync(_flushStop.Token));
    }

    /// <summary>Asks the background flusher for a round as soon as possible.</summary>
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
                Volatile.Write(ref _signalPending, 0);
                var requested = Interlocked.Exchange(ref _flushRequested, 0) == 1;
                if (requested || FlushTimeout() == TimeSpan.Zero)
                {
                    await FlushToAsync(LogEndOffset, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The log is offline (Failure is set) or closed; appends report it from now on.
                return;
            }
        }
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
            _siblingTimer?.Dispose();
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

    /// <summary>Wakes waiters at close; they re-check and see the log closed (or flushed).</summary>
    private void ReleaseFlushWaiters()
    {
        lock (_flushGate)
        {
            _roundDone.TrySetResult();
        }
    }
}
