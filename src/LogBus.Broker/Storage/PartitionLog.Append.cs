using System.Diagnostics;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Appends a produce request's record set for this partition as the leader in
    /// <paramref name="leaderEpoch"/>: validates every batch first (nothing is appended when one is
    /// bad), then stamps consecutive offsets and the epoch into <paramref name="records"/> in place and
    /// writes the whole set with one write. Readers see all of its batches or none.
    /// </summary>
    /// <remarks>
    /// Returns when the bytes are in the OS page cache; use <see cref="AppendAsync"/> to also honour
    /// <see cref="LogConfig.FlushOnEveryAppend"/>. Validation failures are results, not exceptions;
    /// I/O failures throw <see cref="StorageException"/> (nothing appended). Allocation-free unless the
    /// segment rolls or the epoch changes.
    /// </remarks>
    public AppendResult Append(Span<byte> records, int leaderEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leaderEpoch);
        var config = Config;
        var error = ValidateRecordSet(records, config.MaxBatchBytes, out var batchCount, out var failedIndex);
        if (error != AppendError.None)
        {
            return AppendResult.Failed(error, failedIndex);
        }
        lock (_appendLock)
        {
            ThrowIfUnusable();
            var latest = _epochs.LatestEpoch;
            if (leaderEpoch < latest)
            {
                return AppendResult.Failed(AppendError.StaleLeaderEpoch, 0);
            }
            var baseOffset = _logEndOffset;
            if (leaderEpoch > latest)
            {
                // Durable before any batch carries the new epoch (recovery checks epochs against it).
                _epochs.Assign(leaderEpoch, baseOffset, persist: true);
            }
            var next = baseOffset;
            long recordCount = 0;
            var position = 0;
            while (position < records.Length)
            {
                var batch = records[position..];
                RecordBatchHeader.TryRead(batch, out var header);
                RecordBatchHeader.StampBaseOffset(batch, next);
                RecordBatchHeader.StampPartitionLeaderEpoch(batch, leaderEpoch);
                next += header.LastOffsetDelta + 1L;
                recordCount += header.RecordCount;
                position += header.TotalSize;
            }
            WriteLocked(records, next, recordCount, config);
            return new AppendResult(AppendError.None, baseOffset, next - 1, batchCount);
        }
    }

    /// <summary>
    /// <see cref="Append"/>, then, when <see cref="LogConfig.FlushOnEveryAppend"/> is set, waits for the
    /// fsync that covers the appended batches (shared with concurrent appenders: group commit).
    /// </summary>
    /// <remarks>
    /// When no flush round is running, the caller runs one: the fsync then happens on the calling
    /// thread and the returned task is already complete (no thread hop). Otherwise the caller waits
    /// asynchronously for the running round and, if it was not covered, joins or runs the next one.
    /// </remarks>
    public ValueTask<AppendResult> AppendAsync(Memory<byte> records, int leaderEpoch, CancellationToken cancellationToken = default)
    {
        var result = Append(records.Span, leaderEpoch);
        if (!result.Succeeded || !Config.FlushOnEveryAppend)
        {
            return ValueTask.FromResult(result);
        }
        var flushed = FlushToAsync(result.LastOffset + 1, cancellationToken);
        return flushed.IsCompletedSuccessfully ? ValueTask.FromResult(result) : WaitDurableAsync(flushed, result);
    }

    private static async ValueTask<AppendResult> WaitDurableAsync(ValueTask flushed, AppendResult result)
    {
        await flushed.ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Appends batches fetched from the leader, keeping their offsets and epochs: validates every batch,
    /// requires the first to start at <see cref="LogEndOffset"/> and each next one to follow its
    /// predecessor exactly (this broker's logs are dense: it never compacts), and epochs never to go
    /// back. New epochs enter the leader-epoch cache durably before the batches are written.
    /// </summary>
    public AppendResult AppendAsFollower(Span<byte> records)
    {
        var config = Config;
        var error = ValidateRecordSet(records, Math.Max(config.MaxBatchBytes, records.Length), out var batchCount, out var failedIndex);
        if (error != AppendError.None)
        {
            return AppendResult.Failed(error, failedIndex);
        }
        lock (_appendLock)
        {
            ThrowIfUnusable();
            var baseOffset = _logEndOffset;
            var expected = baseOffset;
            var epoch = _epochs.LatestEpoch;
            long recordCount = 0;
            var position = 0;
            var index = 0;
            while (position < records.Length)
            {
                RecordBatchHeader.TryRead(records[position..], out var header);
                if (header.BaseOffset != expected)
                {
                    return AppendResult.Failed(AppendError.OffsetOutOfOrder, index);
                }
                if (header.PartitionLeaderEpoch < epoch)
                {
                    return AppendResult.Failed(AppendError.StaleLeaderEpoch, index);
                }
                epoch = header.PartitionLeaderEpoch;
                expected = header.LastOffset + 1;
                recordCount += header.RecordCount;
                position += header.TotalSize;
                index++;
            }
            position = 0;
            while (position < records.Length)
            {
                RecordBatchHeader.TryRead(records[position..], out var header);
                if (header.PartitionLeaderEpoch > _epochs.LatestEpoch)
                {
                    _epochs.Assign(header.PartitionLeaderEpoch, header.BaseOffset, persist: true);
                }
                position += header.TotalSize;
            }
            WriteLocked(records, expected, recordCount, config);
            return new AppendResult(AppendError.None, baseOffset, expected - 1, batchCount);
        }
    }

    /// <summary>Validates a record set as whole, well-formed batches; reports the first bad batch.</summary>
    internal static AppendError ValidateRecordSet(ReadOnlySpan<byte> records, int maxBatchBytes, out int batchCount, out int failedIndex)
    {
        batchCount = 0;
        failedIndex = 0;
        if (records.Length == 0)
        {
            return AppendError.InvalidLength;
        }
        var position = 0;
        while (position < records.Length)
        {
            var validation = RecordBatchHeader.Validate(records[position..], maxBatchBytes, out var header);
            var error = validation switch
            {
                RecordBatchValidation.Valid => AppendError.None,
                RecordBatchValidation.Truncated or RecordBatchValidation.InvalidLength => AppendError.InvalidLength,
                RecordBatchValidation.UnsupportedMagic => AppendError.UnsupportedMagic,
                RecordBatchValidation.TooLarge => AppendError.BatchTooLarge,
                RecordBatchValidation.InvalidRecordCount => AppendError.InvalidRecordCount,
                _ => AppendError.CorruptCrc,
            };
            if (error != AppendError.None)
            {
                failedIndex = batchCount;
                return error;
            }
            position += header.TotalSize;
            batchCount++;
        }
        return AppendError.None;
    }

    /// <summary>Writes a validated, stamped record set at the end of the log and publishes it. Under the append lock.</summary>
    private void WriteLocked(ReadOnlySpan<byte> records, long nextOffset, long recordCount, LogConfig config)
    {
        Debug.Assert(Monitor.IsEntered(_appendLock), "append lock not held");
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var segment = RollIfNeededLocked(records.Length, nextOffset - 1, now, config);
        var start = segment.Size;
        if (start == 0)
        {
            segment.RollBaseTimeMs = now;
        }
        try
        {
            segment.WriteAtEnd(records);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was published, so readers never saw the bytes; cut them off so the next append
            // (and recovery) finds the file ending at the last acknowledged batch.
            if (!segment.TryDiscardUncommitted())
            {
                MarkFailed(e);
            }
            throw new StorageException(segment.LogPath, $"append failed, nothing was appended: {e.Message}", e);
        }
        var position = 0;
        while (position < records.Length)
        {
            RecordBatchHeader.TryRead(records[position..], out var header);
            segment.OnBatchWritten(header.BaseOffset, (int)(start + position), header.TotalSize, header.MaxTimestamp, config.IndexIntervalBytes);
            position += header.TotalSize;
        }
        segment.Publish(start + records.Length, nextOffset);
        Volatile.Write(ref _logEndOffset, nextOffset);
        if (AutoAdvanceHighWatermark)
        {
            Volatile.Write(ref _highWatermark, nextOffset);
        }
        AssertOffsets();
        OnAppendedForFlush(recordCount, config);
        NotifyChanged();
    }

    private LogSegment RollIfNeededLocked(int setSize, long lastOffset, long now, LogConfig config)
    {
        var active = _segments[^1];
        var size = active.Size;
        if (size == 0)
        {
            return active;
        }
        var roll = size + setSize > config.SegmentBytes
            || (active.RollBaseTimeMs >= 0 && now - active.RollBaseTimeMs >= config.SegmentMs)
            || lastOffset - active.BaseOffset > int.MaxValue;
        return roll ? RollLocked() : active;
    }

    /// <summary>Seals the active segment and starts a new one at the log end offset. Under the append lock.</summary>
    private LogSegment RollLocked()
    {
        var active = _segments[^1];
        active.Seal();
        var next = LogSegment.Create(DirectoryPath, _logEndOffset, _faults);
        next.IndexIntervalBytes = Config.IndexIntervalBytes;
        var segments = new LogSegment[_segments.Length + 1];
        _segments.CopyTo(segments, 0);
        segments[^1] = next;
        Volatile.Write(ref _segments, segments);
        // Make the sealed segment durable in the background so the recovery point can pass it.
        RequestFlush();
        return next;
    }

    /// <summary>Rolls the active segment now if it holds data (administrative; tests).</summary>
    public void Roll()
    {
        lock (_appendLock)
        {
            ThrowIfUnusable();
            if (_segments[^1].Size > 0)
            {
                RollLocked();
            }
        }
    }
}
