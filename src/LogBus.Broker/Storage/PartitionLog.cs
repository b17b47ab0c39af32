using System.Diagnostics;

namespace LogBus.Broker.Storage;

/// <summary>
/// One partition's append-only log on disk: a directory <c>&lt;topic&gt;-&lt;partition&gt;</c> of
/// segments, record batches (magic v2) stored exactly as received with only the base offset and
/// partition leader epoch stamped.
/// </summary>
/// <remarks>
/// <para>Concurrency: appends, rolls, truncation and retention serialize on one lock (one appender at
/// a time); reads take no lock: they see the segment list as a copy-on-write array and each segment's
/// published size, so they never observe a partially written batch. A read leases its segment (see
/// <see cref="LogReadResult"/>).</para>
/// <para>Durability: after an append returns, its bytes are in the OS page cache. They are fsynced by
/// the partition's flusher (a background loop owned by this object) when the
/// <see cref="LogConfig"/> flush policy says so, on roll, and at close; with
/// <see cref="LogConfig.FlushOnEveryAppend"/> <see cref="AppendAsync"/> completes only after the
/// fsync covering it (group commit). <see cref="RecoveryPoint"/> is the offset below which everything
/// is fsynced; it is checkpointed (<see cref="WriteCheckpoint"/>), and recovery after a crash scans
/// only from there.</para>
/// <para>Offsets: <see cref="LogStartOffset"/> ≤ <see cref="HighWatermark"/> ≤
/// <see cref="LogEndOffset"/>. The high watermark follows the log end offset while
/// <see cref="AutoAdvanceHighWatermark"/> is true (single replica); replication turns that off and
/// drives it with <see cref="SetHighWatermark"/>.</para>
/// </remarks>
internal sealed partial class PartitionLog : IDisposable
{
    private readonly object _appendLock = new();
    private readonly object _checkpointLock = new();
    private readonly StorageFaults? _faults;
    private readonly TimeProvider _time;
    private LeaderEpochCache _epochs = null!;
    private LogConfig _config;
    private LogSegment[] _segments = [];
    private long _logEndOffset;
    private long _logStartOffset;
    private long _highWatermark;
    private long _checkpointedLogStart = -1;
    private long _checkpointedRecoveryPoint = -1;
    private long _checkpointedHighWatermark = -1;
    private TaskCompletionSource? _changed;
    private Exception? _failure;
    private int _closed;

    private PartitionLog(string directory, string topic, int partition, LogConfig config, TimeProvider time, StorageFaults? faults)
    {
        DirectoryPath = directory;
        Topic = topic;
        Partition = partition;
        _config = config;
        _time = time;
        _faults = faults;
        _roundDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The partition directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>Topic name.</summary>
    public string Topic { get; }

    /// <summary>Partition number.</summary>
    public int Partition { get; }

    /// <summary>What opening the log did.</summary>
    public RecoveryInfo Recovery { get; private set; } = null!;

    /// <summary>Current settings; replacing them takes effect on the next append, roll or retention pass.</summary>
    public LogConfig Config
    {
        get => Volatile.Read(ref _config);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _config, value);
        }
    }

    /// <summary>The offset the next appended record gets.</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    /// <summary>The first offset still readable.</summary>
    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>Offsets below this are committed (replicated); consumers read up to it.</summary>
    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>
    /// The high watermark checkpointed before the log was last closed or crashed, clamped to the log end
    /// offset; -1 when unknown. <see cref="HighWatermark"/> starts at the log end offset (single replica);
    /// replication sets it from this value when it takes over (<see cref="SetHighWatermark"/>).
    /// </summary>
    public long HighWatermarkAtOpen { get; private set; } = -1;

    /// <summary>When true (the default) every append moves the high watermark to the log end offset.</summary>
    public bool AutoAdvanceHighWatermark { get; set; } = true;

    /// <summary>The latest leader epoch appended in; -1 when none.</summary>
    public int LatestEpoch => _epochs.LatestEpoch;

    /// <summary>The leader-epoch cache entries (epoch, start offset), oldest first.</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> EpochEntries => _epochs.Entries;

    /// <summary>Number of segments.</summary>
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>Total bytes in all segments.</summary>
    public long SizeInBytes
    {
        get
        {
            long total = 0;
            foreach (var segment in Volatile.Read(ref _segments))
            {
                total += segment.Size;
            }
            return total;
        }
    }

    /// <summary>A snapshot of the segments, oldest first (tests and diagnostics).</summary>
    internal IReadOnlyList<LogSegment> Segments => Volatile.Read(ref _segments);

    /// <summary>True after <see cref="Dispose"/>, <see cref="Delete"/> or <see cref="Abandon"/>.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>The I/O failure that took this log offline, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Name of a partition directory.</summary>
    public static string DirectoryName(string topic, int partition) => $"{topic}-{partition}";

    /// <summary>Sets the high watermark (clamped to [log start, log end]); wakes high-watermark waiters when it grows.</summary>
    public void SetHighWatermark(long offset)
    {
        lock (_appendLock)
        {
            var clamped = Math.Clamp(offset, LogStartOffset, LogEndOffset);
            var old = _highWatermark;
            Volatile.Write(ref _highWatermark, clamped);
            if (clamped > old)
            {
                NotifyChanged();
            }
        }
    }

    /// <summary>Kafka's OffsetsForLeaderEpoch answer for <paramref name="epoch"/>.</summary>
    public EpochEndOffset EndOffsetForEpoch(int epoch) => _epochs.EndOffsetFor(epoch, LogEndOffset);

    // ---- change notification (long-poll fetch) --------------------------------------------------

    /// <summary>
    /// A task that completes at the next change of the log end offset or high watermark (or close).
    /// Re-check the offsets after taking it: a change between your check and this call is not lost,
    /// because the task is taken before the re-check. One shared task per change, no per-waiter polling.
    /// </summary>
    public Task WhenChanged()
    {
        while (true)
        {
            var current = Volatile.Read(ref _changed);
            if (current is not null)
            {
                return current.Task;
            }
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _changed, fresh, null) is null)
            {
                if (IsClosed)
                {
                    fresh.TrySetResult();
                }
                return fresh.Task;
            }
        }
    }

    /// <summary>
    /// Waits until the chosen offset (<see cref="LogEndOffset"/> or <see cref="HighWatermark"/>) is
    /// greater than <paramref name="offset"/>. True when it is; false when the log closed first; throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public ValueTask<bool> WaitForOffsetAsync(long offset, LogOffsetKind kind, CancellationToken cancellationToken)
    {
        if (Current(kind) > offset)
        {
            return ValueTask.FromResult(true);
        }
        return SlowWaitAsync(offset, kind, cancellationToken);
    }

    private async ValueTask<bool> SlowWaitAsync(long offset, LogOffsetKind kind, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = WhenChanged();
            if (Current(kind) > offset)
            {
                return true;
            }
            if (IsClosed)
            {
                return false;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private long Current(LogOffsetKind kind) => kind == LogOffsetKind.HighWatermark ? HighWatermark : LogEndOffset;

    private void NotifyChanged() => Interlocked.Exchange(ref _changed, null)?.TrySetResult();

    /// <summary>
    /// Wakes the <see cref="WhenChanged"/> waiters without an offset change: the last stable offset
    /// (kept by the producer state, outside storage) moved, so read_committed long polls re-check.
    /// </summary>
    internal void SignalChanged() => NotifyChanged();

    // ---- checkpoints -----------------------------------------------------------------------------

    /// <summary>
    /// Writes <c>partition.checkpoint</c> (log start offset, recovery point, high watermark) when any
    /// moved since the last write. Safe to call from any thread.
    /// </summary>
    public void WriteCheckpoint()
    {
        lock (_checkpointLock)
        {
            var start = LogStartOffset;
            var recoveryPoint = RecoveryPoint;
            var highWatermark = HighWatermark;
            if (start == _checkpointedLogStart && recoveryPoint == _checkpointedRecoveryPoint && highWatermark == _checkpointedHighWatermark)
            {
                return;
            }
            PartitionCheckpoint.Write(DirectoryPath, start, recoveryPoint, highWatermark);
            _checkpointedLogStart = start;
            _checkpointedRecoveryPoint = recoveryPoint;
            _checkpointedHighWatermark = highWatermark;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /// <summary>Index of the segment with the largest base offset at or below <paramref name="offset"/>; -1 when none.</summary>
    private static int FloorIndex(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new StorageException(DirectoryPath, $"partition log is offline after an I/O error: {failure.Message}", failure);
        }
    }

    private void MarkFailed(Exception e)
    {
        Interlocked.CompareExchange(ref _failure, e, null);
        NotifyChanged();
    }

    [Conditional("DEBUG")]
    private void AssertOffsets()
    {
        Debug.Assert(LogStartOffset <= LogEndOffset, "log start must not pass the log end");
        Debug.Assert(HighWatermark <= LogEndOffset, "high watermark must not pass the log end");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Topic}-{Partition} [{LogStartOffset}, {LogEndOffset}) hw {HighWatermark}";
}
