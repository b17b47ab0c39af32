namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Deletes whole old segments past retention: by time (newest timestamp older than
    /// <see cref="LogConfig.RetentionMs"/>), by size (while the log stays at least
    /// <see cref="LogConfig.RetentionBytes"/> without them) and those wholly below the log start offset.
    /// Never the active segment. Moves the log start offset to the first remaining segment and
    /// checkpoints it. Readers holding regions in deleted segments keep them (see <see cref="LogReadResult"/>).
    /// </summary>
    /// <returns>Number of segments deleted.</returns>
    public int DeleteRetainedSegments()
    {
        var config = Config;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        LogSegment[] removed;
        lock (_appendLock)
        {
            if (IsClosed || Failure is not null)
            {
                return 0;
            }
            var segments = _segments;
            var deletable = segments.Length - 1; // never the active segment
            var count = 0;
            if (config.CleanupPolicy == CleanupPolicy.Delete)
            {
                if (config.RetentionMs > 0)
                {
                    var byTime = 0;
                    while (byTime < deletable && segments[byTime].MaxTimestamp < now - config.RetentionMs)
                    {
                        byTime++;
                    }
                    count = Math.Max(count, byTime);
                }
                if (config.RetentionBytes >= 0)
                {
                    var excess = SizeInBytes - config.RetentionBytes;
                    var bySize = 0;
                    while (bySize < deletable && excess >= segments[bySize].Size)
                    {
                        excess -= segments[bySize].Size;
                        bySize++;
                    }
                    count = Math.Max(count, bySize);
                }
            }
            var byStart = 0;
            while (byStart < deletable && segments[byStart].NextOffset <= _logStartOffset)
            {
                byStart++;
            }
            count = Math.Max(count, byStart);
            if (count == 0)
            {
                return 0;
            }
            removed = segments[..count];
            var newStart = Math.Max(_logStartOffset, segments[count].BaseOffset);
            // Start offset first, segments second: a reader that misses a segment re-reads the start.
            Volatile.Write(ref _logStartOffset, newStart);
            if (_highWatermark < newStart)
            {
                Volatile.Write(ref _highWatermark, newStart);
            }
            Volatile.Write(ref _segments, segments[count..]);
            _epochs.TruncateFromStart(newStart);
        }
        foreach (var segment in removed)
        {
            segment.Retire(deleteFiles: true);
        }
        WriteCheckpoint();
        return removed.Length;
    }

    /// <summary>
    /// Moves the log start offset forward (DeleteRecords); whole segments below it go at the next
    /// retention pass. The new start is checkpointed before this returns. False when
    /// <paramref name="offset"/> is above the high watermark.
    /// </summary>
    public bool IncreaseLogStartOffset(long offset)
    {
        lock (_appendLock)
        {
            ThrowIfUnusable();
            if (offset > _highWatermark)
            {
                return false;
            }
            if (offset <= _logStartOffset)
            {
                return true;
            }
            Volatile.Write(ref _logStartOffset, offset);
            _epochs.TruncateFromStart(offset);
        }
        WriteCheckpoint();
        return true;
    }

    /// <summary>
    /// Removes every batch at or after the batch containing <paramref name="offset"/> (a follower
    /// truncating after leader failover): the log end offset becomes that batch's base offset.
    /// The leader-epoch cache is truncated first (durably). Below the log start the log is emptied and
    /// restarted at <paramref name="offset"/>. Regions readers hold above the new end become short.
    /// </summary>
    /// <returns>The new log end offset.</returns>
    public long TruncateTo(long offset)
    {
        if (offset < LogStartOffset)
        {
            TruncateFullyAndStartAt(offset);
            return offset;
        }
        var removed = new List<LogSegment>();
        long newEnd;
        lock (_appendLock)
        {
            ThrowIfUnusable();
            if (offset >= _logEndOffset)
            {
                return _logEndOffset;
            }
            var segments = _segments;
            var keep = Math.Max(0, FloorIndex(segments, offset));
            var segment = segments[keep];
            // Find the batch containing the offset: it and everything after it go.
            long position;
            newEnd = segment.NextOffset; // when no batch of the segment holds the offset
            long p = offset > segment.BaseOffset ? segment.Index.LookupPosition(offset - segment.BaseOffset) : 0;
            using (var scanner = new HeaderScanner(segment, segment.Size))
            {
                while (scanner.TryReadHeader(p, out var header))
                {
                    if (header.LastOffset >= offset)
                    {
                        newEnd = header.BaseOffset;
                        break;
                    }
                    p += header.TotalSize;
                }
                position = p;
            }
            _epochs.TruncateFromEnd(newEnd);
            LowerRecoveryPointLocked(newEnd);
            for (var i = keep + 1; i < segments.Length; i++)
            {
                removed.Add(segments[i]);
            }
            Volatile.Write(ref _logEndOffset, newEnd);
            if (_highWatermark > newEnd)
            {
                Volatile.Write(ref _highWatermark, newEnd);
            }
            Volatile.Write(ref _segments, segments[..(keep + 1)]);
            segment.Unseal();
            segment.TruncateTo(position, newEnd);
            AssertOffsets();
        }
        foreach (var segment in removed)
        {
            segment.Retire(deleteFiles: true);
        }
        WriteCheckpoint();
        return newEnd;
    }

    /// <summary>
    /// Deletes all data and restarts the log empty at <paramref name="offset"/> (a follower whose log is
    /// entirely behind the leader's start). Clears the leader-epoch cache.
    /// </summary>
    public void TruncateFullyAndStartAt(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        LogSegment[] removed;
        lock (_appendLock)
        {
            ThrowIfUnusable();
            removed = _segments;
            _epochs.Clear();
            LowerRecoveryPointLocked(0);
            // Retire before creating: the new segment may reuse a base offset of an old one.
            foreach (var segment in removed)
            {
                segment.Retire(deleteFiles: true);
            }
            var fresh = LogSegment.Create(DirectoryPath, offset, _faults);
            fresh.IndexIntervalBytes = Config.IndexIntervalBytes;
            Volatile.Write(ref _segments, [fresh]);
            Volatile.Write(ref _logStartOffset, offset);
            Volatile.Write(ref _logEndOffset, offset);
            Volatile.Write(ref _highWatermark, offset);
            lock (_flushGate)
            {
                Volatile.Write(ref _recoveryPoint, offset);
            }
        }
        WriteCheckpoint();
        NotifyChanged();
    }
}
