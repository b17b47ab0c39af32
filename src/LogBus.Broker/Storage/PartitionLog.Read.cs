using System.Diagnostics;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Reads from <paramref name="offset"/>: a region of one segment starting at the batch that contains
    /// the offset and holding whole batches, at most <paramref name="maxBytes"/> bytes (but the whole
    /// first batch when it is larger and <paramref name="minOneBatch"/> is set), stopping before the first
    /// batch at or after <paramref name="maxOffset"/> (pass the high watermark for consumers) and at the
    /// log end offset. Lock-free; never returns a partially written batch.
    /// </summary>
    /// <returns>
    /// A result to dispose after sending or copying it. <see cref="LogReadResult.OffsetOutOfRange"/> when
    /// <paramref name="offset"/> is below the log start or above the log end offset; an empty region when
    /// nothing is readable there yet (offset at the end, or at <paramref name="maxOffset"/>).
    /// </returns>
    public LogReadResult Read(long offset, int maxBytes, long maxOffset = long.MaxValue, bool minOneBatch = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        for (var attempt = 0; ; attempt++)
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            var start = LogStartOffset;
            var end = LogEndOffset;
            var hw = HighWatermark;
            if (offset < start || offset > end)
            {
                return new LogReadResult(null, 0, 0, -1, start, end, hw, outOfRange: true);
            }
            var upper = Math.Min(maxOffset, end);
            if (offset >= upper)
            {
                return new LogReadResult(null, 0, 0, -1, start, end, hw, outOfRange: false);
            }
            var segments = Volatile.Read(ref _segments);
            var first = FloorIndex(segments, offset);
            if (first < 0)
            {
                // Retention or a restart of the log moved the start meanwhile: re-read it. The start is
                // always published before segments disappear, so this settles at once.
                Debug.Assert(attempt < 1000, "log start and segments disagree");
                continue;
            }
            var retry = false;
            for (var i = first; i < segments.Length && !retry; i++)
            {
                var segment = segments[i];
                if (!segment.TryAcquire())
                {
                    retry = true; // deleted under us (retention or truncation): start over
                    break;
                }
                var keepLease = false;
                try
                {
                    var found = LocateRegion(segment, offset, upper, maxBytes, minOneBatch, out var position, out var length, out var firstOffset);
                    if (found)
                    {
                        keepLease = length > 0;
                        return new LogReadResult(keepLease ? segment : null, position, length, firstOffset, start, end, hw, outOfRange: false);
                    }
                }
                finally
                {
                    if (!keepLease)
                    {
                        segment.Release();
                    }
                }
            }
            if (!retry)
            {
                return new LogReadResult(null, 0, 0, -1, start, end, hw, outOfRange: false);
            }
        }
    }

    /// <summary>
    /// Finds the region in <paramref name="segment"/> for a read; false when the segment holds no batch
    /// ending at or after <paramref name="offset"/> below <paramref name="upper"/>.
    /// </summary>
    private static bool LocateRegion(LogSegment segment, long offset, long upper, int maxBytes, bool minOneBatch, out long position, out int length, out long firstOffset)
    {
        position = 0;
        length = 0;
        firstOffset = -1;
        var index = segment.Index;
        using var scanner = new HeaderScanner(segment, segment.Size);
        long p = offset > segment.BaseOffset ? index.LookupPosition(offset - segment.BaseOffset) : 0;
        RecordBatchHeader header;
        while (true)
        {
            if (!scanner.TryReadHeader(p, out header) || header.BaseOffset >= upper)
            {
                return false;
            }
            if (header.LastOffset >= offset)
            {
                break;
            }
            p += header.TotalSize;
        }
        position = p;
        firstOffset = header.BaseOffset;
        if (header.TotalSize > maxBytes && !minOneBatch)
        {
            return true; // found, but nothing fits
        }
        var end = p + header.TotalSize;
        var limit = p + (long)maxBytes;
        // Jump with the index over batches that certainly fit, then walk the remaining headers.
        var (rel, indexed) = index.LookupByPosition(limit);
        if (indexed > end && segment.BaseOffset + rel < upper)
        {
            end = indexed;
        }
        while (scanner.TryReadHeader(end, out header) && header.BaseOffset < upper && end + header.TotalSize <= limit)
        {
            end += header.TotalSize;
        }
        length = (int)(end - p);
        return true;
    }

    /// <summary>
    /// The first batch whose largest timestamp is at or after <paramref name="timestamp"/> (ListOffsets by
    /// time); null when every batch is older. Batch granularity: storage does not decode records.
    /// </summary>
    public TimestampOffset? FindOffsetByTimestamp(long timestamp)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            var start = LogStartOffset;
            var segments = Volatile.Read(ref _segments);
            var retry = false;
            foreach (var segment in segments)
            {
                if (segment.NextOffset <= start && segment != segments[^1])
                {
                    continue;
                }
                if (!segment.TryAcquire())
                {
                    retry = true;
                    break;
                }
                try
                {
                    if (segment.Size == 0 || segment.MaxTimestamp < timestamp)
                    {
                        continue;
                    }
                    var rel = segment.TimeIndex.LookupStartBefore(timestamp);
                    long p = rel is { } r ? segment.Index.LookupPosition(r) : 0;
                    using var scanner = new HeaderScanner(segment, segment.Size);
                    while (scanner.TryReadHeader(p, out var header))
                    {
                        if (header.MaxTimestamp >= timestamp && header.LastOffset >= start)
                        {
                            return new TimestampOffset(Math.Max(header.BaseOffset, start), header.MaxTimestamp);
                        }
                        p += header.TotalSize;
                    }
                }
                finally
                {
                    segment.Release();
                }
            }
            if (!retry)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The headers of the batches from the one containing <paramref name="fromOffset"/> up to the log end
    /// offset as of the call (or <paramref name="toOffset"/>, exclusive), in order. Used to rebuild
    /// producer state from the tail of the log. Holds a lease on the current segment while enumerating;
    /// dispose the enumerator (foreach does).
    /// </summary>
    public IEnumerable<RecordBatchHeader> ReadBatchHeaders(long fromOffset, long toOffset = long.MaxValue)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        var upper = Math.Min(toOffset, LogEndOffset);
        return EnumerateHeaders(Volatile.Read(ref _segments), Math.Max(fromOffset, LogStartOffset), upper);
    }

    private static IEnumerable<RecordBatchHeader> EnumerateHeaders(LogSegment[] segments, long fromOffset, long upper)
    {
        for (var i = Math.Max(0, FloorIndex(segments, fromOffset)); i < segments.Length; i++)
        {
            var segment = segments[i];
            if (!segment.TryAcquire())
            {
                continue; // deleted meanwhile: its offsets are below the log start now
            }
            var scanner = new HeaderScanner(segment, segment.Size);
            try
            {
                long p = fromOffset > segment.BaseOffset ? segment.Index.LookupPosition(fromOffset - segment.BaseOffset) : 0;
                while (scanner.TryReadHeader(p, out var header))
                {
                    if (header.BaseOffset >= upper)
                    {
                        yield break;
                    }
                    if (header.LastOffset >= fromOffset)
                    {
                        yield return header;
                    }
                    p += header.TotalSize;
                }
            }
            finally
            {
                scanner.Dispose();
                segment.Release();
            }
        }
    }
}
