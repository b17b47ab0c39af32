using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace LogBus.Broker.Storage;

/// <summary>
/// One segment of a partition log: <c>&lt;baseOffset:D20&gt;.log</c> holding whole record batches back
/// to back, with its sparse <c>.index</c> and <c>.timeindex</c>.
/// </summary>
/// <remarks>
/// <para>Lifecycle: the log holds one reference from creation; readers add one per lease
/// (<see cref="TryAcquire"/>/<see cref="Release"/>). <see cref="Retire"/> drops the log's reference
/// (and, for deletion, unlinks the files at once, which open handles survive on every OS this runs
/// on); the file handle closes when the last reference goes, so a reader's region stays readable
/// (and sendable) until it releases its lease.</para>
/// <para>Concurrency: bytes are written only by the partition's appender under its lock, at positions
/// at or after <see cref="Size"/>; <see cref="Size"/> is published (volatile) only after the bytes and
/// the index entries for them are in place, so readers bounded by it never see a partial batch.</para>
/// </remarks>
internal sealed class LogSegment
{
    private readonly SafeFileHandle _handle;
    private readonly FileStream _stream;
    private readonly StorageFaults? _faults;
    private readonly object _lazyLock = new();
    private OffsetIndex? _index;
    private TimeIndex? _timeIndex;
    private long _size;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _offsetOfMaxTimestamp;
    private int _bytesSinceIndexEntry;
    private int _refCount = 1;
    private int _deleteOnClose;
    private long _flushedSize;
    private bool _sealed;
    private bool _indexFilesDirty;
    private bool _directoryEntryDurable;
    private long _reservedEnd;
    private bool _reserveUnsupported;

    /// <summary>Smallest block reservation ahead of the end of the file (see <see cref="WriteAtEnd"/>).</summary>
    internal const int MinReserveBytes = 64 << 10;

    /// <summary>Largest block reservation ahead of the end of the file: the most disk an active segment holds beyond its data.</summary>
    internal const int MaxReserveBytes = 4 << 20;

    private LogSegment(string directory, long baseOffset, SafeFileHandle handle, bool isNew, StorageFaults? faults)
    {
        Directory = directory;
        BaseOffset = baseOffset;
        var stem = Path.Combine(directory, FileStem(baseOffset));
        LogPath = stem + ".log";
        IndexPath = stem + ".index";
        TimeIndexPath = stem + ".timeindex";
        _handle = handle;
        // Asynchronous handle: SendPacketsElement(FileStream) requires one (sendfile on Linux).
        // Positional RandomAccess reads and writes work on it synchronously as well.
        _stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0, isAsync: true);
        _faults = faults;
        _size = RandomAccess.GetLength(handle);
        _flushedSize = isNew ? 0 : _size;
        _directoryEntryDurable = !isNew;
        _nextOffset = baseOffset;
    }

    /// <summary>The partition directory.</summary>
    public string Directory { get; }

    /// <summary>Offset of the first batch this segment may hold (from its file name).</summary>
    public long BaseOffset { get; }

    /// <summary>Path of the <c>.log</c> file.</summary>
    public string LogPath { get; }

    /// <summary>Path of the <c>.index</c> file.</summary>
    public string IndexPath { get; }

    /// <summary>Path of the <c>.timeindex</c> file.</summary>
    public string TimeIndexPath { get; }

    /// <summary>The open log file, valid while a lease is held. Never use its position: read with offsets.</summary>
    public FileStream Stream => _stream;

    /// <summary>The handle of <see cref="Stream"/> (positional I/O with <see cref="RandomAccess"/>).</summary>
    public SafeFileHandle Handle => _handle;

    /// <summary>Committed size: every byte below it belongs to a complete, published batch.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>The offset after the last batch in this segment (its base offset when empty).</summary>
    public long NextOffset
    {
        get => Volatile.Read(ref _nextOffset);
        set => Volatile.Write(ref _nextOffset, value);
    }

    /// <summary>Index interval used when indexes must be rebuilt from the headers.</summary>
    public int IndexIntervalBytes { get; set; } = 4096;

    /// <summary>Wall-clock time (ms) the segment's age is measured from; set on its first append.</summary>
    public long RollBaseTimeMs { get; set; } = -1;

    /// <summary>True once rolled: no more appends; its index files are written.</summary>
    public bool IsSealed => Volatile.Read(ref _sealed);

    /// <summary>True when the log's files were deleted (retention, truncation, topic deletion).</summary>
    public bool IsRetired => Volatile.Read(ref _deleteOnClose) != 0 || Volatile.Read(ref _refCount) == 0;

    /// <summary>True when the file handle has been closed (no reference left).</summary>
    public bool IsClosed => _handle.IsClosed;

    /// <summary>Name stem of a segment's files: the base offset as 20 digits.</summary>
    public static string FileStem(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture);

    /// <summary>Parses the base offset from a <c>.log</c> file name; false for other names.</summary>
    public static bool TryParseBaseOffset(string fileName, out long baseOffset)
    {
        baseOffset = 0;
        return fileName.Length == 24 && fileName.EndsWith(".log", StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    /// <summary>Creates an empty segment (replacing leftovers with the same base offset).</summary>
    public static LogSegment Create(string directory, long baseOffset, StorageFaults? faults)
    {
        var stem = Path.Combine(directory, FileStem(baseOffset));
        try
        {
            File.Delete(stem + ".index");
            File.Delete(stem + ".timeindex");
            var handle = File.OpenHandle(stem + ".log", FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            var segment = new LogSegment(directory, baseOffset, handle, isNew: true, faults)
            {
                _index = new OffsetIndex(),
                _timeIndex = new TimeIndex(),
            };
            return segment;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(stem + ".log", $"cannot create segment: {e.Message}", e);
        }
    }

    /// <summary>Opens an existing segment; its indexes load lazily (or are rebuilt by recovery).</summary>
    public static LogSegment Open(string directory, long baseOffset, StorageFaults? faults)
    {
        var path = Path.Combine(directory, FileStem(baseOffset) + ".log");
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            return new LogSegment(directory, baseOffset, handle, isNew: false, faults);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"cannot open segment: {e.Message}", e);
        }
    }

    // ---- leases -------------------------------------------------------------------------------

    /// <summary>Takes a reference; false when the segment is already closed (retired and released).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var count = Volatile.Read(ref _refCount);
            if (count == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _refCount, count + 1, count) == count)
            {
                return true;
            }
        }
    }

    /// <summary>Drops a reference; the last one closes the file.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _refCount);
        Debug.Assert(left >= 0, "segment reference count went negative");
        if (left == 0)
        {
            _stream.Dispose();
            _handle.Dispose();
        }
    }

    /// <summary>
    /// Drops the log's reference. With <paramref name="deleteFiles"/> the files are unlinked now; open
    /// leases keep reading the unlinked file until they release it.
    /// </summary>
    public void Retire(bool deleteFiles)
    {
        if (deleteFiles && Interlocked.Exchange(ref _deleteOnClose, 1) == 0)
        {
            DeleteFiles();
        }
        Release();
    }

    private void DeleteFiles()
    {
        foreach (var path in new[] { LogPath, IndexPath, TimeIndexPath })
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageException(path, $"cannot delete segment file: {e.Message}", e);
            }
        }
    }

    // ---- indexes ------------------------------------------------------------------------------

    /// <summary>The offset index; loaded from its file (or rebuilt from the log) on first use.</summary>
    public OffsetIndex Index
    {
        get
        {
            var index = Volatile.Read(ref _index);
            if (index is not null)
            {
                return index;
            }
            LoadIndexes();
            return _index!;
        }
    }

    /// <summary>The time index; loaded like <see cref="Index"/>.</summary>
    public TimeIndex TimeIndex
    {
        get
        {
            var index = Volatile.Read(ref _timeIndex);
            if (index is not null)
            {
                return index;
            }
            LoadIndexes();
            return _timeIndex!;
        }
    }

    /// <summary>Largest batch timestamp in the segment; -1 when empty or unknown.</summary>
    public long MaxTimestamp
    {
        get
        {
            var ts = Volatile.Read(ref _maxTimestamp);
            if (ts >= 0 || Size == 0)
            {
                return ts;
            }
            _ = TimeIndex; // loading the indexes (or rebuilding them) establishes the largest timestamp
            return Volatile.Read(ref _maxTimestamp);
        }
    }

    private void LoadIndexes()
    {
        lock (_lazyLock)
        {
            if (_index is not null && _timeIndex is not null)
            {
                return;
            }
            var size = Size;
            OffsetIndex? index = null;
            TimeIndex? timeIndex = null;
            try
            {
                if (File.Exists(IndexPath) && File.Exists(TimeIndexPath))
                {
                    index = OffsetIndex.TryParse(File.ReadAllBytes(IndexPath), size);
                    timeIndex = TimeIndex.TryParse(File.ReadAllBytes(TimeIndexPath));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                index = null;
            }
            // A sealed segment's last time entry is its largest timestamp; an empty or unusable index
            // means the files were lost or never written: rebuild both from the batch headers.
            if (index is null || timeIndex is null || (size > 0 && timeIndex.Count == 0))
            {
                RebuildIndexesFromHeaders(out index, out timeIndex);
            }
            else
            {
                var (ts, rel) = timeIndex.Last;
                Volatile.Write(ref _maxTimestamp, ts);
                _offsetOfMaxTimestamp = BaseOffset + rel;
            }
            Volatile.Write(ref _timeIndex, timeIndex);
            Volatile.Write(ref _index, index);
        }
    }

    private void RebuildIndexesFromHeaders(out OffsetIndex index, out TimeIndex timeIndex)
    {
        index = new OffsetIndex();
        timeIndex = new TimeIndex();
        var size = Size;
        long maxTs = -1, maxTsOffset = BaseOffset;
        var sinceEntry = 0;
        using var scanner = new HeaderScanner(this, size);
        long position = 0;
        while (scanner.TryReadHeader(position, out var header))
        {
            if (header.MaxTimestamp > maxTs)
            {
                maxTs = header.MaxTimestamp;
                maxTsOffset = header.BaseOffset;
            }
            if (sinceEntry > IndexIntervalBytes)
            {
                index.Append((int)(header.BaseOffset - BaseOffset), (int)position);
                timeIndex.MaybeAppend(maxTs, (int)(maxTsOffset - BaseOffset));
                sinceEntry = 0;
            }
            sinceEntry += header.TotalSize;
            position += header.TotalSize;
        }
        if (maxTs >= 0)
        {
            timeIndex.MaybeAppend(maxTs, (int)(maxTsOffset - BaseOffset));
        }
        Volatile.Write(ref _maxTimestamp, maxTs);
        _offsetOfMaxTimestamp = maxTsOffset;
    }

    /// <summary>Installs indexes rebuilt by recovery (or fresh ones) and the segment's bookkeeping.</summary>
    public void InstallIndexes(OffsetIndex index, TimeIndex timeIndex, long maxTimestamp, long offsetOfMaxTimestamp, int bytesSinceIndexEntry)
    {
        lock (_lazyLock)
        {
            Volatile.Write(ref _timeIndex, timeIndex);
            Volatile.Write(ref _index, index);
            Volatile.Write(ref _maxTimestamp, maxTimestamp);
            _offsetOfMaxTimestamp = offsetOfMaxTimestamp;
            _bytesSinceIndexEntry = bytesSinceIndexEntry;
        }
    }

    // ---- appender side (under the partition's append lock) ------------------------------------

    /// <summary>Writes <paramref name="data"/> at the committed end; not visible until <see cref="Publish"/>.</summary>
    /// <remarks>
    /// Disk blocks are reserved ahead of the end of the file (as large as the data so far, between
    /// <see cref="MinReserveBytes"/> and <see cref="MaxReserveBytes"/>), one call per reservation: on
    /// Linux filesystems with delayed allocation, each write into unreserved space otherwise pays
    /// per-page reservation work, a large share of a small append's cost. The reservation never
    /// changes the file size; sealing, closing and truncating release what is left of it.
    /// </remarks>
    public void WriteAtEnd(ReadOnlySpan<byte> data)
    {
        Debug.Assert(!IsSealed, "write to a sealed segment");
        var position = _size;
        var end = position + data.Length;
        if (end > _reservedEnd && !_reserveUnsupported)
        {
            var target = end + Math.Clamp(end, MinReserveBytes, MaxReserveBytes);
            var from = Math.Max(position, _reservedEnd);
            if (FileSystemSync.TryReserve(_handle, from, target - from))
            {
                _reservedEnd = target;
            }
            else
            {
                _reserveUnsupported = true; // not available here (or no space): plain writes from now on
            }
        }
        if (_faults?.BeforeLogWrite is { } hook)
        {
            var allowed = hook(LogPath, position, data.Length);
            if (allowed < data.Length)
            {
                RandomAccess.Write(_handle, data[..Math.Max(0, allowed)], position);
                throw new IOException($"injected torn write: {allowed} of {data.Length} bytes");
            }
        }
        RandomAccess.Write(_handle, data, position);
    }

    /// <summary>Records one batch written at <paramref name="position"/> in the indexes (before publishing).</summary>
    public void OnBatchWritten(long baseOffset, int position, int size, long maxTimestamp, int indexIntervalBytes)
    {
        if (maxTimestamp > _maxTimestamp)
        {
            Volatile.Write(ref _maxTimestamp, maxTimestamp);
            _offsetOfMaxTimestamp = baseOffset;
        }
        if (_bytesSinceIndexEntry > indexIntervalBytes)
        {
            Index.Append((int)(baseOffset - BaseOffset), position);
            TimeIndex.MaybeAppend(_maxTimestamp, (int)(_offsetOfMaxTimestamp - BaseOffset));
            _bytesSinceIndexEntry = 0;
        }
        _bytesSinceIndexEntry += size;
    }

    /// <summary>Publishes the bytes written so far: readers may now see everything below <paramref name="newSize"/>.</summary>
    public void Publish(long newSize, long nextOffset)
    {
        Debug.Assert(newSize >= _size, "published size must grow");
        Volatile.Write(ref _nextOffset, nextOffset);
        Volatile.Write(ref _size, newSize);
    }

    /// <summary>Attempts to cut the file back to the committed size after a failed write.</summary>
    public bool TryDiscardUncommitted()
    {
        try
        {
            RandomAccess.SetLength(_handle, _size); // also releases the reservation beyond it
            _reservedEnd = _size;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Truncates the segment to <paramref name="position"/>, the start of the batch with base offset
    /// <paramref name="nextOffset"/> (or its end). Readers holding regions past it read fewer bytes.
    /// </summary>
    public void TruncateTo(long position, long nextOffset)
    {
        try
        {
            RandomAccess.SetLength(_handle, position); // also releases the reservation beyond it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(LogPath, $"cannot truncate segment: {e.Message}", e);
        }
        _reservedEnd = position;
        Volatile.Write(ref _size, position);
        Volatile.Write(ref _nextOffset, nextOffset);
        _flushedSize = Math.Min(_flushedSize, position);
        var rel = nextOffset - BaseOffset;
        Index.TruncateFrom(rel);
        TimeIndex.TruncateFrom(rel);
        // Re-derive the largest timestamp from the remaining tail: every batch before the last
        // time-index entry's batch has a smaller timestamp than that entry.
        var (tsEntry, tsRel) = TimeIndex.Last;
        long maxTs = tsEntry, maxTsOffset = BaseOffset + tsRel;
        var scanFrom = Index.LookupPosition(tsRel);
        using (var scanner = new HeaderScanner(this, position))
        {
            var p = (long)scanFrom;
            while (scanner.TryReadHeader(p, out var header))
            {
                if (header.MaxTimestamp > maxTs)
                {
                    maxTs = header.MaxTimestamp;
                    maxTsOffset = header.BaseOffset;
                }
                p += header.TotalSize;
            }
        }
        var (_, lastIndexPosition) = Index.Last;
        InstallIndexes(Index, TimeIndex, position == 0 ? -1 : maxTs, maxTsOffset, (int)(position - lastIndexPosition));
    }

    /// <summary>Marks the segment sealed: adds the final time-index entry and writes both index files (no fsync).</summary>
    public void Seal()
    {
        if (_sealed)
        {
            return;
        }
        WriteIndexFiles();
        ReleaseReservation();
        Volatile.Write(ref _sealed, true);
    }

    /// <summary>
    /// Releases disk blocks reserved beyond the committed size (at seal and clean close; under the
    /// append lock). Best effort: a failure leaves only unused blocks, which recovery's or the next
    /// truncation's resize releases.
    /// </summary>
    public void ReleaseReservation()
    {
        if (_reservedEnd <= _size)
        {
            return;
        }
        try
        {
            RandomAccess.SetLength(_handle, _size); // the size stays; ext4/xfs free blocks past it
            _reservedEnd = _size;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // keep going: the data is intact, only space is held
        }
    }

    /// <summary>Marks a segment found on disk before the last one as sealed (its index files exist).</summary>
    public void MarkSealedOnOpen() => Volatile.Write(ref _sealed, true);

    /// <summary>Makes a sealed segment the active one again (after truncation removed later segments).</summary>
    public void Unseal() => Volatile.Write(ref _sealed, false);

    /// <summary>Writes the index files from memory (used at seal and at clean close).</summary>
    public void WriteIndexFiles()
    {
        var timeIndex = TimeIndex;
        if (_maxTimestamp >= 0)
        {
            timeIndex.MaybeAppend(_maxTimestamp, (int)(_offsetOfMaxTimestamp - BaseOffset));
        }
        WriteWhole(IndexPath, Index.ToBytes());
        WriteWhole(TimeIndexPath, timeIndex.ToBytes());
        Volatile.Write(ref _indexFilesDirty, true);
    }

    private static void WriteWhole(string path, byte[] bytes)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete);
            RandomAccess.Write(handle, bytes, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"cannot write index file: {e.Message}", e);
        }
    }

    /// <summary>True when an fsync of this segment has something to do.</summary>
    public bool NeedsFlush => Volatile.Read(ref _flushedSize) < Size || Volatile.Read(ref _indexFilesDirty) || !_directoryEntryDurable;

    /// <summary>
    /// fsyncs the log file up to the current committed size, index files written since the last
    /// flush, and the directory entry of a new segment. <paramref name="force"/> fsyncs the log file
    /// even when it is believed durable (after recovery). Called by the partition's flusher, by
    /// recovery and at close; concurrent calls are harmless.
    /// </summary>
    public void Flush(bool force = false)
    {
        if (Volatile.Read(ref _deleteOnClose) != 0)
        {
            return; // deleted: nothing left to make durable
        }
        var size = Size;
        try
        {
            if (force || Volatile.Read(ref _flushedSize) < size)
            {
                _faults?.BeforeLogFlush?.Invoke(LogPath);
                RandomAccess.FlushToDisk(_handle);
                _faults?.CountLogFlush();
            }
            if (Volatile.Read(ref _indexFilesDirty))
            {
                Volatile.Write(ref _indexFilesDirty, false);
                FlushFile(IndexPath);
                FlushFile(TimeIndexPath);
            }
            if (!_directoryEntryDurable)
            {
                FileSystemSync.SyncDirectory(Directory);
                _directoryEntryDurable = true;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException && Volatile.Read(ref _deleteOnClose) != 0)
        {
            return; // deleted while flushing (retention, truncation, topic deletion)
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not StorageException)
        {
            throw new StorageException(LogPath, $"fsync failed: {e.Message}", e);
        }
        InterlockedMax(ref _flushedSize, size);
    }

    private static void FlushFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (current < value)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    // ---- reader side ---------------------------------------------------------------------------

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes at <paramref name="position"/>; returns the count (short at end of file).</summary>
    public int ReadAt(Span<byte> destination, long position)
    {
        var total = 0;
        try
        {
            while (total < destination.Length)
            {
                var n = RandomAccess.Read(_handle, destination[total..], position + total);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
        }
        catch (IOException e)
        {
            throw new StorageException(LogPath, $"read at {position} failed: {e.Message}", e);
        }
        return total;
    }

    /// <summary>Reads the 8-byte base offset of the batch at <paramref name="position"/> (for tests and checks).</summary>
    public long ReadBaseOffsetAt(long position)
    {
        Span<byte> buffer = stackalloc byte[8];
        return ReadAt(buffer, position) == 8 ? BinaryPrimitives.ReadInt64BigEndian(buffer) : -1;
    }

    /// <inheritdoc/>
    public override string ToString() => $"segment {BaseOffset} [{BaseOffset}, {NextOffset}) {Size} bytes";
}
