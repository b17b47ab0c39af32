namespace LogBus.Protocol.Records;

/// <summary>
/// One record of a batch as spans of the (possibly decompressed) batch bytes: no allocation. Valid
/// until the enumerator that produced it moves on past its buffer's lifetime (see <see cref="RecordEnumerator"/>).
/// </summary>
public readonly ref struct Record
{
    private readonly ReadOnlySpan<byte> _headers;

    internal Record(
        long offset,
        long timestamp,
        int offsetDelta,
        long timestampDelta,
        sbyte attributes,
        ReadOnlySpan<byte> key,
        bool isKeyNull,
        ReadOnlySpan<byte> value,
        bool isValueNull,
        int headerCount,
        ReadOnlySpan<byte> headers)
    {
        Offset = offset;
        Timestamp = timestamp;
        OffsetDelta = offsetDelta;
        TimestampDelta = timestampDelta;
        Attributes = attributes;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
        HeaderCount = headerCount;
        _headers = headers;
    }

    /// <summary>The record's offset: the batch's base offset plus <see cref="OffsetDelta"/>.</summary>
    public long Offset { get; }

    /// <summary>
    /// The record's timestamp: base timestamp plus <see cref="TimestampDelta"/>, or the batch's max
    /// timestamp when the batch uses log-append time.
    /// </summary>
    public long Timestamp { get; }

    /// <summary>Offset relative to the batch's base offset.</summary>
    public int OffsetDelta { get; }

    /// <summary>Timestamp relative to the batch's base timestamp.</summary>
    public long TimestampDelta { get; }

    /// <summary>Record attributes (unused by Kafka so far; 0).</summary>
    public sbyte Attributes { get; }

    /// <summary>The key (empty when null).</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>True when the key is null.</summary>
    public bool IsKeyNull { get; }

    /// <summary>The value (empty when null).</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>True when the value is null (a tombstone).</summary>
    public bool IsValueNull { get; }

    /// <summary>Number of headers.</summary>
    public int HeaderCount { get; }

    /// <summary>The headers, parsed lazily as they are enumerated.</summary>
    public RecordHeaderEnumerator Headers => new(_headers, HeaderCount);
}
