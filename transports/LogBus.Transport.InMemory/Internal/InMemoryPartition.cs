using System.Diagnostics;

namespace LogBus.Transport.InMemory.Internal;

/// <summary>
/// One partition: an append-only log of encoded records in large byte slabs (chunks), addressed by
/// offset. Storing bytes rather than objects keeps retained records invisible to the garbage
/// collector's tracing and copying; readers get <see cref="LogRecord"/>s whose key, value and header
/// values are slices of the slab (no copy). Retention drops whole chunks from the front.
/// </summary>
/// <remarks>
/// Concurrency: appends and chunk-list changes take <c>_gate</c>; readers take it only to find chunks,
/// then decode without it. Bytes below a chunk's published count never change, and the count is
/// published (volatile) after the bytes are written, so readers never see a half-appended record.
/// </remarks>
internal sealed class InMemoryPartition
{
    private const int RecordsPerChunk = 4096;
    // Below the large-object threshold (85,000 bytes): slabs live in the small-object heap, where
    // collections are cheap because byte arrays hold no references. Large-object slabs made every few
    // thousand appends trigger a full (gen2) collection.
    private const int SlabBytes = 64 * 1024;

    private readonly InMemoryBrokerOptions _options;
    private readonly Lock _gate = new();
    private readonly List<Chunk> _chunks = [];
    private AsyncSignal[] _listeners = [];
    private long _startOffset;
    private long _endOffset;
    private long _bytes;

    public InMemoryPartition(string topic, int partition, InMemoryBrokerOptions options)
    {
        Topic = topic;
        Partition = partition;
        _options = options;
    }

    public string Topic { get; }

    public int Partition { get; }

    public long StartOffset
    {
        get
        {
            lock (_gate)
            {
                return _startOffset;
            }
        }
    }

    public long EndOffset => Volatile.Read(ref _endOffset);

    /// <summary>Appends a record (copying its bytes) and returns its offset.</summary>
    public long Append(in OutgoingRecord record, long timestampMs)
    {
        var size = RecordCodec.EncodedSize(record);
        long offset;
        AsyncSignal[] listeners;
        lock (_gate)
        {
            offset = _endOffset;
            var chunk = _chunks.Count > 0 ? _chunks[^1] : null;
            if (chunk is null || chunk.Count == RecordsPerChunk || chunk.Data.Length - chunk.Used < size)
            {
                chunk = new Chunk(offset, Math.Max(SlabBytes, size));
                _chunks.Add(chunk);
            }
            var position = chunk.Used;
            RecordCodec.Encode(record, chunk.Data.AsSpan(position, size));
            chunk.Add(position, timestampMs);
            chunk.Used = position + size;
            Volatile.Write(ref chunk.Count, chunk.Count + 1);
            _bytes += size;
            Volatile.Write(ref _endOffset, offset + 1);
            ApplyRetention();
            listeners = _listeners;
        }
        foreach (var listener in listeners)
        {
            listener.Set();
        }
        return offset;
    }

    /// <summary>
    /// Adds up to <paramref name="maxRecords"/> records from <paramref name="offset"/> (or from the log
    /// start, when retention removed it) to <paramref name="into"/>. Returns the next offset to read.
    /// </summary>
    public long Read(long offset, int maxRecords, List<LogRecord> into)
    {
        Chunk? first = null, second = null;
        int firstFrom = 0, firstCount = 0, secondCount = 0;
        lock (_gate)
        {
            if (offset < _startOffset)
            {
                offset = _startOffset;
            }
            if (offset >= _endOffset || maxRecords <= 0 || _chunks.Count == 0)
            {
                return Math.Min(offset, _endOffset);
            }
            var index = FindChunk(offset);
            first = _chunks[index];
            firstFrom = (int)(offset - first.BaseOffset);
            firstCount = Math.Min(first.Count - firstFrom, maxRecords);
            // At most two chunks per read: enough to cross a boundary, and the caller loops.
            if (firstCount < maxRecords && index + 1 < _chunks.Count)
            {
                second = _chunks[index + 1];
                secondCount = Math.Min(second.Count, maxRecords - firstCount);
            }
        }
        Decode(first, firstFrom, firstCount, into);
        offset = first.BaseOffset + firstFrom + firstCount;
        if (second is not null)
        {
            Decode(second, 0, secondCount, into);
            offset = second.BaseOffset + secondCount;
        }
        return offset;
    }

    public void AddListener(AsyncSignal signal)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners, signal];
        }
    }

    public void RemoveListener(AsyncSignal signal)
    {
        lock (_gate)
        {
            _listeners = _listeners.Where(l => !ReferenceEquals(l, signal)).ToArray();
        }
    }

    private void Decode(Chunk chunk, int from, int count, List<LogRecord> into)
    {
        var positions = Volatile.Read(ref chunk.Positions);
        var timestamps = Volatile.Read(ref chunk.Timestamps);
        for (var i = from; i < from + count; i++)
        {
            into.Add(RecordCodec.Decode(Topic, Partition, chunk.BaseOffset + i, timestamps[i], chunk.Data.AsMemory(positions[i])));
        }
    }

    // Under _gate: the chunk holding offset (binary search on base offsets).
    private int FindChunk(long offset)
    {
        int lo = 0, hi = _chunks.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_chunks[mid].BaseOffset <= offset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    // Under _gate. Keeps at least the chunk being appended to.
    private void ApplyRetention()
    {
        while (_chunks.Count > 1
            && (_endOffset - _startOffset > _options.RetentionRecordsPerPartition || _bytes > _options.RetentionBytesPerPartition))
        {
            var dropped = _chunks[0];
            _chunks.RemoveAt(0);
            _bytes -= dropped.Used;
            _startOffset = _chunks[0].BaseOffset;
            Debug.Assert(_startOffset == dropped.BaseOffset + dropped.Count, "chunks are contiguous");
        }
    }

    private sealed class Chunk(long baseOffset, int slabBytes)
    {
        public readonly long BaseOffset = baseOffset;
        public readonly byte[] Data = GC.AllocateUninitializedArray<byte>(slabBytes);
        public int[] Positions = new int[64];
        public long[] Timestamps = new long[64];
        public int Used;
        public int Count;

        // Under the partition lock. Readers index the arrays only below the published Count, and a
        // grown array holds the same values below it, so a reader on the old array stays correct.
        public void Add(int position, long timestampMs)
        {
            if (Count == Positions.Length)
            {
                var positions = new int[Positions.Length * 2];
                var timestamps = new long[positions.Length];
                Positions.AsSpan().CopyTo(positions);
                Timestamps.AsSpan().CopyTo(timestamps);
                Volatile.Write(ref Timestamps, timestamps);
                Volatile.Write(ref Positions, positions);
            }
            Positions[Count] = position;
            Timestamps[Count] = timestampMs;
        }
    }
}
