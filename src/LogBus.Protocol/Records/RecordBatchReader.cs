using System.Buffers.Binary;

namespace LogBus.Protocol.Records;

/// <summary>
/// Iterates the record batches in a buffer (a Fetch response's records, a Produce request's records,
/// a log segment). A partial batch at the end, which Kafka fetches may return when a size limit cuts a
/// batch, is skipped, not an error (<see cref="HasPartialTrailingBatch"/>).
/// </summary>
/// <remarks>
/// Each batch's length and magic are checked before it is returned; a length below the header size or
/// a magic other than 2 raises <see cref="KafkaProtocolException"/> (the buffer cannot be resynchronised).
/// The CRC is not checked here; see <see cref="RecordBatch.IsCrcValid"/> or
/// <see cref="RecordBatchHeader.Validate"/>.
/// </remarks>
public struct RecordBatchReader
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private int _position;

    /// <summary>Reads batches from <paramref name="buffer"/>, which starts at a batch boundary.</summary>
    public RecordBatchReader(ReadOnlyMemory<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        Current = default;
        HasPartialTrailingBatch = false;
    }

    /// <summary>The current batch (after <see cref="MoveNext"/> returned true).</summary>
    public RecordBatch Current { get; private set; }

    /// <summary>Bytes of complete batches consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>True once iteration ended at an incomplete batch rather than at the end of the buffer.</summary>
    public bool HasPartialTrailingBatch { get; private set; }

    /// <summary>For <c>foreach</c>.</summary>
    public readonly RecordBatchReader GetEnumerator() => this;

    /// <summary>Moves to the next complete batch; false at the end or at a partial trailing batch.</summary>
    public bool MoveNext()
    {
        var remaining = _buffer.Length - _position;
        if (remaining == 0)
        {
            return false;
        }
        if (remaining < RecordBatchHeader.LogOverhead)
        {
            HasPartialTrailingBatch = true;
            return false;
        }
        var span = _buffer.Span[_position..];
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(span[RecordBatchHeader.BatchLengthPosition..]);
        if (batchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead)
        {
            throw new KafkaProtocolException(
                $"Record batch at byte {_position} declares length {batchLength}, less than a batch header.");
        }
        var total = (long)batchLength + RecordBatchHeader.LogOverhead;
        if (total > remaining)
        {
            HasPartialTrailingBatch = true;
            return false;
        }
        RecordBatchHeader.TryRead(span, out var header);
        if (header.Magic != RecordBatchHeader.CurrentMagic)
        {
            throw new KafkaProtocolException(
                $"Record batch at byte {_position} has magic {header.Magic}; only magic 2 is supported.",
                ErrorCode.UnsupportedForMessageFormat);
        }
        if (header.RecordCount < 0)
        {
            throw new KafkaProtocolException($"Record batch at byte {_position} has a negative record count.");
        }
        Current = new RecordBatch(header, _buffer.Slice(_position, (int)total));
        _position += (int)total;
        return true;
    }

    /// <summary>Tries to read the next batch (same as <see cref="MoveNext"/> followed by <see cref="Current"/>).</summary>
    public bool TryReadNext(out RecordBatch batch)
    {
        var ok = MoveNext();
        batch = ok ? Current : default;
        return ok;
    }
}
