using System.Buffers;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Storage;

internal sealed partial class PartitionLog
{
    private const int RecoveryReadSize = 1 << 20;
    private long _checkpointedHighWatermarkAtOpen = -1;

    /// <summary>
    /// Opens (creating when missing) the partition log in <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The partition directory.</param>
    /// <param name="topic">Topic name.</param>
    /// <param name="partition">Partition number.</param>
    /// <param name="config">Log settings.</param>
    /// <param name="cleanShutdown">
    /// True when the data directory's clean-shutdown marker was present: the log trusts its index files
    /// and checkpoints and skips the scan (it still checks that the active segment ends exactly after its
    /// last batch, and recovers when not). Otherwise every segment from the one holding the recovery
    /// point on is read, each batch's CRC, lengths, offsets and epoch are verified, indexes are rebuilt
    /// and the log is truncated at the first torn or corrupt batch.
    /// </param>
    /// <param name="time">Clock for segment age and retention; the system clock when null.</param>
    /// <param name="faults">Fault injection (tests).</param>
    public static PartitionLog Open(string directory, string topic, int partition, LogConfig config, bool cleanShutdown, TimeProvider? time = null, StorageFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(directory, $"cannot create partition directory: {e.Message}", e);
        }
        var log = new PartitionLog(directory, topic, partition, config, time ?? TimeProvider.System, faults);
        try
        {
            log.Load(cleanShutdown);
        }
        catch
        {
            log.CloseAfterFailedOpen();
            throw;
        }
        log.StartFlusher();
        return log;
    }

    private void CloseAfterFailedOpen()
    {
        Interlocked.Exchange(ref _closed, 1);
        CloseHandles(deleteFiles: false);
    }

    private void Load(bool cleanShutdown)
    {
        var bases = new List<long>();
        try
        {
            foreach (var path in Directory.EnumerateFiles(DirectoryPath))
            {
                var name = Path.GetFileName(path);
                if (name.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    File.Delete(path); // an interrupted atomic write; the previous file is intact
                }
                else if (LogSegment.TryParseBaseOffset(name, out var baseOffset))
                {
                    bases.Add(baseOffset);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(DirectoryPath, $"cannot list partition directory: {e.Message}", e);
        }
        bases.Sort();
        var haveCheckpoint = PartitionCheckpoint.TryRead(DirectoryPath, out var checkpointStart, out var checkpointRecovery, out var checkpointHighWatermark);
        _checkpointedHighWatermarkAtOpen = haveCheckpoint ? checkpointHighWatermark : -1;
        _epochs = LeaderEpochCache.Load(DirectoryPath, out var epochsIntact, out var epochsExisted);
        var config = Config;

        var segments = new List<LogSegment>(bases.Count + 1);
        try
        {
            foreach (var baseOffset in bases)
            {
                var segment = LogSegment.Open(DirectoryPath, baseOffset, _faults);
                segment.IndexIntervalBytes = config.IndexIntervalBytes;
                segments.Add(segment);
            }
            if (segments.Count == 0)
            {
                var start = haveCheckpoint ? checkpointStart : 0;
                var fresh = LogSegment.Create(DirectoryPath, start, _faults);
                fresh.IndexIntervalBytes = config.IndexIntervalBytes;
                segments.Add(fresh);
                if (epochsExisted)
                {
                    _epochs.Clear();
                }
                Finish(segments, haveCheckpoint ? checkpointStart : start, new RecoveryInfo(cleanShutdown, 0, 0, 0, 0));
                return;
            }
            for (var i = 0; i < segments.Count - 1; i++)
            {
                segments[i].NextOffset = segments[i + 1].BaseOffset;
                segments[i].MarkSealedOnOpen();
            }
            var hasData = segments.Count > 1 || segments[0].Size > 0;
            // Epochs are verified against the checkpoint only when it is intact and was written for
            // this data; otherwise they are rebuilt from the batches, which needs a full scan.
            var epochsAuthoritative = epochsIntact && (epochsExisted || !hasData);
            RecoveryInfo info;
            if (cleanShutdown && epochsAuthoritative && TryLoadCleanActive(segments[^1]))
            {
                info = new RecoveryInfo(true, 0, 0, 0, 0);
            }
            else
            {
                var recoveryPoint = haveCheckpoint && epochsAuthoritative ? checkpointRecovery : 0;
                info = Recover(segments, recoveryPoint, epochsAuthoritative);
            }
            Finish(segments, haveCheckpoint ? checkpointStart : 0, info);
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Retire(deleteFiles: false);
            }
            throw;
        }
    }

    private void Finish(List<LogSegment> segments, long checkpointStart, RecoveryInfo info)
    {
        var end = segments[^1].NextOffset;
        _segments = segments.ToArray();
        _logEndOffset = end;
        _logStartOffset = Math.Min(Math.Max(checkpointStart, segments[0].BaseOffset), end);
        _highWatermark = end;
        _recoveryPoint = end;
        HighWatermarkAtOpen = _checkpointedHighWatermarkAtOpen < 0 ? -1 : Math.Clamp(_checkpointedHighWatermarkAtOpen, _logStartOffset, end);
        _epochs.TruncateFromEnd(end);
        _epochs.TruncateFromStart(_logStartOffset);
        Recovery = info;
        WriteCheckpoint();
    }

    /// <summary>
    /// Clean-shutdown path for the active segment: loads its index files and walks only the headers
    /// after the last index entry to find the log end. False when anything is inconsistent (then the
    /// caller recovers).
    /// </summary>
    private bool TryLoadCleanActive(LogSegment active)
    {
        OffsetIndex? index;
        TimeIndex? timeIndex;
        try
        {
            if (!File.Exists(active.IndexPath) || !File.Exists(active.TimeIndexPath))
            {
                return false;
            }
            index = OffsetIndex.TryParse(File.ReadAllBytes(active.IndexPath), active.Size);
            timeIndex = TimeIndex.TryParse(File.ReadAllBytes(active.TimeIndexPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (index is null || timeIndex is null || (active.Size > 0 && timeIndex.Count == 0))
        {
            return false;
        }
        var size = active.Size;
        var (lastRel, lastPosition) = index.Last;
        long position = lastPosition;
        var next = active.BaseOffset + lastRel;
        var (maxTs, maxRel) = timeIndex.Last;
        var maxTsOffset = active.BaseOffset + maxRel;
        using (var scanner = new HeaderScanner(active, size))
        {
            while (scanner.TryReadHeader(position, out var header))
            {
                if (header.BaseOffset != next)
                {
                    return false;
                }
                if (header.MaxTimestamp > maxTs)
                {
                    maxTs = header.MaxTimestamp;
                    maxTsOffset = header.BaseOffset;
                }
                next = header.LastOffset + 1;
                position += header.TotalSize;
            }
        }
        if (position != size)
        {
            return false;
        }
        active.InstallIndexes(index, timeIndex, size == 0 ? -1 : maxTs, maxTsOffset, (int)(size - lastPosition));
        active.NextOffset = next;
        active.RollBaseTimeMs = FirstBatchTime(active);
        return true;
    }

    private long FirstBatchTime(LogSegment segment)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (segment.Size == 0)
        {
            return -1;
        }
        using var scanner = new HeaderScanner(segment, segment.Size);
        return scanner.TryReadHeader(0, out var first) && first.MaxTimestamp >= 0 ? Math.Min(first.MaxTimestamp, now) : now;
    }

    /// <summary>
    /// Unclean path: verifies every batch from the segment holding <paramref name="recoveryPoint"/> on,
    /// rebuilds those segments' indexes, truncates at the first bad batch and deletes later segments,
    /// then fsyncs what it kept so the recovery point can move to the log end.
    /// </summary>
    private RecoveryInfo Recover(List<LogSegment> segments, long recoveryPoint, bool epochsAuthoritative)
    {
        var first = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].BaseOffset <= recoveryPoint)
            {
                first = i;
            }
        }
        if (!epochsAuthoritative)
        {
            first = 0;
            _epochs.Clear();
        }
        var scannedSegments = 0;
        long batches = 0, bytesTruncated = 0;
        var deleted = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(RecoveryReadSize);
        try
        {
            for (var i = first; i < segments.Count; i++)
            {
                var segment = segments[i];
                var intact = i == first || segment.BaseOffset == segments[i - 1].NextOffset;
                long validEnd = 0;
                if (intact)
                {
                    scannedSegments++;
                    intact = RecoverSegment(segment, epochsAuthoritative, ref buffer, ref batches, out validEnd);
                }
                if (intact)
                {
                    continue;
                }
                // First bad batch: cut here, delete everything after.
                bytesTruncated += segment.Size - validEnd;
                if (validEnd == 0 && i > first)
                {
                    // Nothing valid in this later segment: drop it whole.
                    i--;
                }
                else
                {
                    segment.TruncateTo(validEnd, segment.NextOffset);
                }
                for (var j = segments.Count - 1; j > i; j--)
                {
                    bytesTruncated += segments[j].Size;
                    segments[j].Retire(deleteFiles: true);
                    segments.RemoveAt(j);
                    deleted++;
                }
                break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (!epochsAuthoritative)
        {
            _epochs.Persist();
        }
        var active = segments[^1];
        active.Unseal();
        active.RollBaseTimeMs = FirstBatchTime(active);
        // Make what recovery kept durable (a process crash leaves it in the page cache only), so the
        // recovery point may move to the end.
        for (var i = Math.Min(first, segments.Count - 1); i < segments.Count; i++)
        {
            if (segments[i] != active)
            {
                segments[i].WriteIndexFiles();
            }
            segments[i].Flush(force: true);
        }
        return new RecoveryInfo(false, scannedSegments, batches, bytesTruncated, deleted);
    }

    /// <summary>
    /// Reads every batch of <paramref name="segment"/>, verifying it (CRC, lengths, magic, record count,
    /// contiguous offsets, leader epoch) and rebuilding the indexes. False at the first bad batch, with
    /// <paramref name="validEnd"/> its position (the segment's bookkeeping then describes the valid prefix).
    /// </summary>
    private bool RecoverSegment(LogSegment segment, bool epochsAuthoritative, ref byte[] buffer, ref long batches, out long validEnd)
    {
        var interval = Config.IndexIntervalBytes;
        var index = new OffsetIndex();
        var timeIndex = new TimeIndex();
        long maxTs = -1, maxTsOffset = segment.BaseOffset;
        var sinceEntry = 0;
        var size = segment.Size;
        var expected = segment.BaseOffset;
        long position = 0;
        var intact = true;
        long chunkStart = 0;
        var chunkLength = 0;
        while (position < size)
        {
            if (size - position < RecordBatchHeader.Size)
            {
                intact = false; // torn header
                break;
            }
            // Make sure the header is in the buffer.
            if (position + RecordBatchHeader.Size > chunkStart + chunkLength)
            {
                chunkStart = position;
                chunkLength = segment.ReadAt(buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - position)), position);
            }
            RecordBatchHeader.TryRead(buffer.AsSpan((int)(position - chunkStart)), out var header);
            var total = (long)header.BatchLength + RecordBatchHeader.LogOverhead;
            if (header.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || position + total > size)
            {
                intact = false; // bad length or torn batch: never allocate past the file
                break;
            }
            if (position + total > chunkStart + chunkLength)
            {
                if (total > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent((int)total);
                }
                chunkStart = position;
                chunkLength = segment.ReadAt(buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - position)), position);
            }
            var span = buffer.AsSpan((int)(position - chunkStart), (int)total);
            if (RecordBatchHeader.Validate(span, int.MaxValue, out header) != RecordBatchValidation.Valid
                || header.BaseOffset != expected
                || header.LastOffset - segment.BaseOffset > int.MaxValue
                || !EpochMatches(header, epochsAuthoritative))
            {
                intact = false;
                break;
            }
            if (header.MaxTimestamp > maxTs)
            {
                maxTs = header.MaxTimestamp;
                maxTsOffset = header.BaseOffset;
            }
            if (sinceEntry > interval)
            {
                index.Append((int)(header.BaseOffset - segment.BaseOffset), (int)position);
                timeIndex.MaybeAppend(maxTs, (int)(maxTsOffset - segment.BaseOffset));
                sinceEntry = 0;
            }
            sinceEntry += (int)total;
            expected = header.LastOffset + 1;
            position += total;
            batches++;
        }
        validEnd = position;
        segment.InstallIndexes(index, timeIndex, maxTs, maxTsOffset, sinceEntry);
        segment.NextOffset = expected;
        return intact;
    }

    private bool EpochMatches(in RecordBatchHeader header, bool epochsAuthoritative)
    {
        if (epochsAuthoritative)
        {
            // The batch holding the log start may begin before the first entry (whose start moved up
            // to the log start inside that batch): its epoch is then the first entry's.
            var expected = _epochs.EpochForOffset(header.BaseOffset);
            return header.PartitionLeaderEpoch == (expected >= 0 ? expected : _epochs.EpochForOffset(header.LastOffset));
        }
        var latest = _epochs.LatestEpoch;
        if (header.PartitionLeaderEpoch > latest)
        {
            _epochs.Assign(header.PartitionLeaderEpoch, header.BaseOffset, persist: false);
            return true;
        }
        return header.PartitionLeaderEpoch == latest;
    }
}
