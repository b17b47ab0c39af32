namespace LogBus.Protocol.Records;

/// <summary>
/// Enumerates the records of one batch with no per-record allocation. For a compressed batch the
/// records are first decompressed into a pooled buffer, owned by this enumerator and returned to the
/// pool by <see cref="Dispose"/> (<c>foreach</c> calls it); spans from earlier records are invalid
/// after that.
/// </summary>
public ref struct RecordEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly PooledBufferWriter? _decompressed;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _maxTimestamp;
    private readonly bool _logAppendTime;
    private int _position;
    private int _remaining;

    internal RecordEnumerator(RecordBatch batch, int maxDecompressedSize)
    {
        var header = batch.Header;
        _baseOffset = header.BaseOffset;
        _baseTimestamp = header.BaseTimestamp;
        _maxTimestamp = header.MaxTimestamp;
        _logAppendTime = (header.Attributes & RecordBatchAttributes.LogAppendTime) != 0;
        _position = 0;
        _remaining = header.RecordCount;
        Current = default;
        if (header.Compression == CompressionCodec.None)
        {
            _decompressed = null;
            _data = batch.RecordsMemory.Span;
            return;
        }
        var provider = CompressionProviders.Get(header.Compression);
        var compressed = batch.RecordsMemory;
        var buffer = new PooledBufferWriter(Math.Min(Math.Max(compressed.Length * 4, 1024), maxDecompressedSize), maxDecompressedSize);
        try
        {
            provider.Decompress(compressed, buffer, maxDecompressedSize);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        _decompressed = buffer;
        _data = buffer.WrittenSpan;
    }

    /// <summary>The current record.</summary>
    public Record Current { get; private set; }

    /// <summary>Records not yet enumerated.</summary>
    public readonly int Remaining => _remaining;

    /// <summary>For <c>foreach</c>.</summary>
    public readonly RecordEnumerator GetEnumerator() => this;

    /// <summary>Parses the next record; throws <see cref="KafkaProtocolException"/> when malformed.</summary>
    public bool MoveNext()
    {
        if (_remaining <= 0)
        {
            return false;
        }
        var data = _data;
        var n = VarInt.ReadVarInt(data[_position..], out var length);
        if (n <= 0 || length < 0)
        {
            throw Error("malformed record length");
        }
        _position += n;
        if (length > data.Length - _position)
        {
            throw Error($"record of {length} bytes runs past the end of the batch");
        }
        var body = data.Slice(_position, length);
        _position += length;
        _remaining--;

        var p = 0;
        if (body.IsEmpty)
        {
            throw Error("empty record");
        }
        var attributes = (sbyte)body[p++];
        p += Check(VarInt.ReadVarLong(body[p..], out var timestampDelta), "timestamp delta");
        p += Check(VarInt.ReadVarInt(body[p..], out var offsetDelta), "offset delta");
        p += Check(VarInt.ReadVarInt(body[p..], out var keyLength), "key length");
        var key = Slice(body, ref p, keyLength, "key");
        p += Check(VarInt.ReadVarInt(body[p..], out var valueLength), "value length");
        var value = Slice(body, ref p, valueLength, "value");
        p += Check(VarInt.ReadVarInt(body[p..], out var headerCount), "header count");
        // Each header takes at least two bytes (key length and value length).
        if (headerCount < 0 || headerCount > (body.Length - p) / 2)
        {
            throw Error($"header count {headerCount} does not fit the record");
        }
        Current = new Record(
            _baseOffset + offsetDelta,
            _logAppendTime ? _maxTimestamp : _baseTimestamp + timestampDelta,
            offsetDelta,
            timestampDelta,
            attributes,
            key,
            keyLength < 0,
            value,
            valueLength < 0,
            headerCount,
            body[p..]);
        return true;
    }

    private static int Check(int consumed, string what) =>
        consumed > 0 ? consumed : throw Error($"malformed {what}");

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> body, scoped ref int p, int length, string what)
    {
        if (length == -1)
        {
            return default;
        }
        if (length < -1 || length > body.Length - p)
        {
            throw Error($"{what} length {length} does not fit the record");
        }
        var s = body.Slice(p, length);
        p += length;
        return s;
    }

    private static KafkaProtocolException Error(string what) => new($"Malformed record: {what}.");

    /// <summary>Returns the decompression buffer to the pool.</summary>
    public readonly void Dispose()
    {
        _decompressed?.Dispose();
    }
}
