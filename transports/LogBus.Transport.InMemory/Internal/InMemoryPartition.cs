using System.Diagnostics;

namespace LogBus.Transport.InMemory.Internal;

/// <summary>
/// One partition: an append-only list of records in chunks of <see cref="ChunkSize"/>, addressed by
/// offset. Retention drops whole chunks from the front. Appends and reads take a short lock; readers
/// copy references out, so they never see a half-appended record.
/// </summary>
internal sealed class InMemoryPartition
{
    public const int ChunkSize = 1024;

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

    public long Append(in OutgoingRecord record, DateTimeOffset timestamp)
    {
        long offset;
        AsyncSignal[] listeners;
        lock (_gate)
        {
            offset = _endOffset;
            var stored = new LogRecord(Topic, Partition, offset, timestamp, record.Key, record.Value, record.Headers);
            var last = _chunks.Count > 0 ? _chunks[^1] : null;
            if (last is null || last.Count == ChunkSize)
            {
                last = new Chunk(offset);
                _chunks.Add(last);
            }
            last.Records[last.Count++] = stored;
            var size = stored.PayloadSize;
            last.Bytes += size;
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
    /// Copies up to <paramref name="maxRecords"/> records from <paramref name="offset"/> (or from the log
    /// start, when retention removed it) into <paramref name="into"/>. Returns the next offset to read.
    /// </summary>
    public long Read(long offset, int maxRecords, List<LogRecord> into)
    {
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
            var index = (int)((offset - _chunks[0].BaseOffset) / ChunkSize);
            var taken = 0;
            while (index < _chunks.Count && taken < maxRecords)
            {
                var chunk = _chunks[index];
                var from = (int)(offset - chunk.BaseOffset);
                var n = Math.Min(chunk.Count - from, maxRecords - taken);
                for (var i = 0; i < n; i++)
                {
                    into.Add(chunk.Records[from + i]);
                }
                taken += n;
                offset += n;
                index++;
            }
            return offset;
        }
    }

    /// <summary>Registers a consumer's signal, set on every append until removed.</summary>
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

    // Under _gate. Keeps at least the chunk being appended to.
    private void ApplyRetention()
    {
        while (_chunks.Count > 1
            && (_endOffset - _startOffset > _options.RetentionRecordsPerPartition || _bytes > _options.RetentionBytesPerPartition))
        {
            var dropped = _chunks[0];
            _chunks.RemoveAt(0);
            _bytes -= dropped.Bytes;
            _startOffset = _chunks[0].BaseOffset;
            Debug.Assert(_startOffset == dropped.BaseOffset + ChunkSize, "chunks are contiguous");
        }
    }

    private sealed class Chunk(long baseOffset)
    {
        public long BaseOffset { get; } = baseOffset;
        public LogRecord[] Records { get; } = new LogRecord[ChunkSize];
        public int Count { get; set; }
        public long Bytes { get; set; }
    }
}
