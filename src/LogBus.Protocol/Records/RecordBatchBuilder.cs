using System.Diagnostics;
using System.Text;

namespace LogBus.Protocol.Records;

/// <summary>
/// Builds one record batch (magic v2) for a producer: append records into a pooled buffer, watch
/// <see cref="SizeInBytes"/> against the batch size limit, then <see cref="Build"/> writes the header and
/// the CRC (compressing the records first when a codec is set). Reuse it with <see cref="Reset"/>.
/// </summary>
/// <remarks>
/// <para>Lifecycle: <see cref="Reset"/> → appends → <see cref="Build"/>; the memory returned by
/// <see cref="Build"/> stays valid until the next <see cref="Reset"/> or <see cref="Dispose"/>. One
/// owner; not thread-safe. No allocation per record: keys, values and header keys are encoded straight
/// into the pooled buffer.</para>
/// <para>Limits: the first record of a batch is always accepted (as in Kafka, a record larger than the
/// batch size still travels alone); later records are refused with false once the uncompressed size
/// would exceed the given maximum.</para>
/// </remarks>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly PooledBufferWriter _buffer;
    private PooledBufferWriter? _compressed;
    private CompressionCodec _compression;
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private int _baseSequence = -1;
    private bool _transactional;
    private bool _control;
    private bool _logAppendTime;
    private long _baseOffset;
    private int _partitionLeaderEpoch = -1;
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="initialCapacity">Initial buffer size in bytes. Defaults to 16 KiB.</param>
    public RecordBatchBuilder(int initialCapacity = 16 * 1024)
    {
        _buffer = new PooledBufferWriter(Math.Max(initialCapacity, RecordBatchHeader.Size));
        Reset();
    }

    /// <summary>Records appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>Uncompressed batch size so far, header included.</summary>
    public int SizeInBytes => _buffer.WrittenCount;

    /// <summary>Timestamp of the first record.</summary>
    public long BaseTimestamp { get; private set; }

    /// <summary>Largest timestamp appended.</summary>
    public long MaxTimestamp { get; private set; }

    /// <summary>
    /// Starts a new, empty batch. Invalidates memory returned by an earlier <see cref="Build"/>.
    /// </summary>
    /// <param name="compression">Codec applied at <see cref="Build"/>; must have a registered provider.</param>
    /// <param name="producerId">Idempotent producer id, or -1.</param>
    /// <param name="producerEpoch">Producer epoch, or -1.</param>
    /// <param name="baseSequence">Sequence of the first record, or -1.</param>
    /// <param name="isTransactional">Sets the transactional bit.</param>
    /// <param name="isControl">Sets the control bit (for <see cref="AppendControlRecord"/>).</param>
    /// <param name="baseOffset">Base offset written in the header (brokers restamp it). Defaults to 0.</param>
    /// <param name="partitionLeaderEpoch">Partition leader epoch in the header. Defaults to -1.</param>
    /// <param name="logAppendTime">Sets the log-append-time bit.</param>
    public void Reset(
        CompressionCodec compression = CompressionCodec.None,
        long producerId = -1,
        short producerEpoch = -1,
        int baseSequence = -1,
        bool isTransactional = false,
        bool isControl = false,
        long baseOffset = 0,
        int partitionLeaderEpoch = -1,
        bool logAppendTime = false)
    {
        if (compression != CompressionCodec.None)
        {
            CompressionProviders.Get(compression); // fail now, not at Build
        }
        _compression = compression;
        _producerId = producerId;
        _producerEpoch = producerEpoch;
        _baseSequence = baseSequence;
        _transactional = isTransactional;
        _control = isControl;
        _baseOffset = baseOffset;
        _partitionLeaderEpoch = partitionLeaderEpoch;
        _logAppendTime = logAppendTime;
        _built = false;
        Count = 0;
        BaseTimestamp = 0;
        MaxTimestamp = 0;
        _buffer.Clear();
        _buffer.GetSpan(RecordBatchHeader.Size)[..RecordBatchHeader.Size].Clear();
        _buffer.Advance(RecordBatchHeader.Size);
    }

    /// <summary>Appends a record with a non-null key and value; false when it would exceed <paramref name="maxBatchSize"/>.</summary>
    public bool TryAppend(long timestamp, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ReadOnlySpan<RecordHeaderData> headers = default, int maxBatchSize = int.MaxValue) =>
        TryAppendCore(timestamp, key, false, value, false, headers, maxBatchSize);

    /// <summary>Appends a record whose key and/or value may be null (a null value is a tombstone).</summary>
    public bool TryAppendNullable(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeaderData> headers = default, int maxBatchSize = int.MaxValue) =>
        TryAppendCore(
            timestamp,
            key is { } k ? k.Span : default,
            key is null,
            value is { } v ? v.Span : default,
            value is null,
            headers,
            maxBatchSize);

    /// <summary>
    /// Appends a transaction marker (commit or abort) to a control batch (<see cref="Reset"/> with
    /// <c>isControl: true</c>).
    /// </summary>
    public void AppendControlRecord(long timestamp, ControlRecordType type, int coordinatorEpoch)
    {
        if (!_control)
        {
            throw new InvalidOperationException("Control records belong in a control batch: Reset(isControl: true).");
        }
        var marker = new ControlRecord(type, coordinatorEpoch);
        Span<byte> key = stackalloc byte[ControlRecord.KeySize];
        Span<byte> value = stackalloc byte[ControlRecord.ValueSize];
        marker.WriteKey(key);
        marker.WriteValue(value);
        TryAppendCore(timestamp, key, false, value, false, default, int.MaxValue);
    }

    /// <summary>Size in bytes of a record with these fields, its length prefix included.</summary>
    public static int RecordSize(long timestampDelta, int offsetDelta, int keyLength, int valueLength, ReadOnlySpan<RecordHeaderData> headers)
    {
        var body = BodySize(timestampDelta, offsetDelta, keyLength, valueLength, headers);
        return VarInt.SizeOfVarInt(body) + body;
    }

    private static int BodySize(long timestampDelta, int offsetDelta, int keyLength, int valueLength, ReadOnlySpan<RecordHeaderData> headers)
    {
        var size = 1 // attributes
            + VarInt.SizeOfVarLong(timestampDelta)
            + VarInt.SizeOfVarInt(offsetDelta)
            + VarInt.SizeOfVarInt(keyLength) + Math.Max(keyLength, 0)
            + VarInt.SizeOfVarInt(valueLength) + Math.Max(valueLength, 0)
            + VarInt.SizeOfVarInt(headers.Length);
        foreach (var h in headers)
        {
            var keyBytes = Encoding.UTF8.GetByteCount(h.Key);
            var valueBytes = h.Value is { } v ? v.Length : -1;
            size += VarInt.SizeOfVarInt(keyBytes) + keyBytes + VarInt.SizeOfVarInt(valueBytes) + Math.Max(valueBytes, 0);
        }
        return size;
    }

    private bool TryAppendCore(long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, ReadOnlySpan<RecordHeaderData> headers, int maxBatchSize)
    {
        if (_built)
        {
            throw new InvalidOperationException("The batch was built; call Reset before appending again.");
        }
        if (Count == 0)
        {
            BaseTimestamp = timestamp;
            MaxTimestamp = timestamp;
        }
        var timestampDelta = timestamp - BaseTimestamp;
        var keyLength = keyIsNull ? -1 : key.Length;
        var valueLength = valueIsNull ? -1 : value.Length;
        var body = BodySize(timestampDelta, Count, keyLength, valueLength, headers);
        var total = VarInt.SizeOfVarInt(body) + body;
        if (Count > 0 && (long)_buffer.WrittenCount + total > maxBatchSize)
        {
            return false;
        }

        var span = _buffer.GetSpan(total);
        var p = VarInt.WriteVarInt(span, body);
        span[p++] = 0; // attributes
        p += VarInt.WriteVarLong(span[p..], timestampDelta);
        p += VarInt.WriteVarInt(span[p..], Count);
        p += VarInt.WriteVarInt(span[p..], keyLength);
        if (keyLength > 0)
        {
            key.CopyTo(span[p..]);
            p += keyLength;
        }
        p += VarInt.WriteVarInt(span[p..], valueLength);
        if (valueLength > 0)
        {
            value.CopyTo(span[p..]);
            p += valueLength;
        }
        p += VarInt.WriteVarInt(span[p..], headers.Length);
        foreach (var h in headers)
        {
            ArgumentNullException.ThrowIfNull(h.Key, nameof(headers));
            var keyBytes = Encoding.UTF8.GetByteCount(h.Key);
            p += VarInt.WriteVarInt(span[p..], keyBytes);
            p += Encoding.UTF8.GetBytes(h.Key, span[p..]);
            if (h.Value is { } v)
            {
                p += VarInt.WriteVarInt(span[p..], v.Length);
                v.Span.CopyTo(span[p..]);
                p += v.Length;
            }
            else
            {
                p += VarInt.WriteVarInt(span[p..], -1);
            }
        }
        Debug.Assert(p == total, "record size computed and written agree");
        _buffer.Advance(total);
        Count++;
        if (timestamp > MaxTimestamp)
        {
            MaxTimestamp = timestamp;
        }
        return true;
    }

    /// <summary>
    /// Finishes the batch: compresses the records when a codec is set, writes the 61-byte header and
    /// the CRC-32C, and returns the batch. Valid until <see cref="Reset"/> or <see cref="Dispose"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Build()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("A record batch needs at least one record.");
        }
        if (_built)
        {
            throw new InvalidOperationException("The batch was already built; call Reset to start another.");
        }
        _built = true;
        PooledBufferWriter target;
        if (_compression == CompressionCodec.None)
        {
            target = _buffer;
        }
        else
        {
            _compressed ??= new PooledBufferWriter(_buffer.Capacity);
            _compressed.Clear();
            _compressed.GetSpan(RecordBatchHeader.Size);
            _compressed.Advance(RecordBatchHeader.Size);
            CompressionProviders.Get(_compression).Compress(_buffer.WrittenSpan[RecordBatchHeader.Size..], _compressed);
            target = _compressed;
        }
        var attributes = (RecordBatchAttributes)(int)_compression;
        if (_logAppendTime)
        {
            attributes |= RecordBatchAttributes.LogAppendTime;
        }
        if (_transactional)
        {
            attributes |= RecordBatchAttributes.Transactional;
        }
        if (_control)
        {
            attributes |= RecordBatchAttributes.Control;
        }
        var batch = target.GetWrittenSpan(0, target.WrittenCount);
        new RecordBatchHeader
        {
            BaseOffset = _baseOffset,
            BatchLength = batch.Length - RecordBatchHeader.LogOverhead,
            PartitionLeaderEpoch = _partitionLeaderEpoch,
            Magic = RecordBatchHeader.CurrentMagic,
            Attributes = attributes,
            LastOffsetDelta = Count - 1,
            BaseTimestamp = BaseTimestamp,
            MaxTimestamp = MaxTimestamp,
            ProducerId = _producerId,
            ProducerEpoch = _producerEpoch,
            BaseSequence = _baseSequence,
            RecordCount = Count,
        }.Write(batch);
        RecordBatchHeader.WriteCrc(batch);
        return target.WrittenMemory;
    }

    /// <summary>Returns the buffers to the pool.</summary>
    public void Dispose()
    {
        _buffer.Dispose();
        _compressed?.Dispose();
    }
}
