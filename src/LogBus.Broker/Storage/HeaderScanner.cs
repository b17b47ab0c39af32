using System.Buffers;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Storage;

/// <summary>
/// Reads batch headers of one segment at given positions through a pooled read-ahead buffer, so a
/// walk over many small batches costs one read per buffer rather than one per batch. Headers are not
/// CRC-checked (recovery does that); a header that is not a sane v2 batch fitting below the limit
/// ends the walk.
/// </summary>
/// <remarks>Owned by one caller at a time; dispose to return the buffer. The caller holds a lease on the segment.</remarks>
internal struct HeaderScanner : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private readonly LogSegment _segment;
    private readonly long _limit;
    private byte[]? _buffer;
    private long _bufferPosition;
    private int _bufferLength;

    public HeaderScanner(LogSegment segment, long limit)
    {
        _segment = segment;
        _limit = limit;
        _buffer = null;
        _bufferPosition = 0;
        _bufferLength = 0;
    }

    /// <summary>The exclusive byte limit of the walk.</summary>
    public readonly long Limit => _limit;

    /// <summary>
    /// Reads the header of the batch starting at <paramref name="position"/>. False at the limit, or when
    /// the bytes there are not a plausible batch that ends at or before the limit.
    /// </summary>
    public bool TryReadHeader(long position, out RecordBatchHeader header)
    {
        header = default;
        if (_limit - position < RecordBatchHeader.Size)
        {
            return false;
        }
        _buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
        if (position < _bufferPosition || position + RecordBatchHeader.Size > _bufferPosition + _bufferLength)
        {
            var want = (int)Math.Min(_buffer.Length, _limit - position);
            _bufferPosition = position;
            _bufferLength = _segment.ReadAt(_buffer.AsSpan(0, want), position);
            if (_bufferLength < RecordBatchHeader.Size)
            {
                return false;
            }
        }
        var start = (int)(position - _bufferPosition);
        if (!RecordBatchHeader.TryRead(_buffer.AsSpan(start, RecordBatchHeader.Size), out header))
        {
            return false;
        }
        return header.Magic == RecordBatchHeader.CurrentMagic
            && header.BatchLength >= RecordBatchHeader.Size - RecordBatchHeader.LogOverhead
            && header.LastOffsetDelta >= 0
            && position + (long)header.BatchLength + RecordBatchHeader.LogOverhead <= _limit;
    }

    /// <summary>Returns the pooled buffer.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
