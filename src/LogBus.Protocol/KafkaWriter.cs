using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using LogBus.Protocol.Records;

namespace LogBus.Protocol;

/// <summary>
/// Writes Kafka protocol primitives into an <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c>, a
/// <see cref="PooledBufferWriter"/>, a <see cref="SegmentedBufferWriter"/>, ...), or only counts the
/// bytes it would write (<see cref="CreateMeasuring"/>).
/// </summary>
/// <remarks>
/// <para>Bytes are written into a span obtained from the output and committed with
/// <c>Advance</c> when the span is full or on <see cref="Flush"/>: call <see cref="Flush"/> before
/// using the output (for example before <c>FlushAsync</c> on a pipe).</para>
/// <para>Length prefixes: <see cref="FrameWriter"/> measures a message first and writes its exact
/// size up front, which works with every output including pipes. Back-patching a prefix after the
/// fact (<see cref="ReserveInt32"/> then <see cref="PatchInt32"/>) needs an output that keeps all
/// written bytes addressable, i.e. a <see cref="PooledBufferWriter"/>; other outputs refuse it,
/// since <see cref="IBufferWriter{T}"/> forbids touching memory after <c>Advance</c>.</para>
/// </remarks>
public ref struct KafkaWriter
{
    // Measuring mode writes primitives here and discards them; concurrent use is harmless because
    // nobody reads it.
    private static readonly byte[] s_scratch = new byte[32];

    private readonly IBufferWriter<byte>? _output;
    private Span<byte> _span;
    private int _buffered;
    private long _committed;
    private readonly int _origin; // bytes a PooledBufferWriter output already held at creation

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    public KafkaWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _buffered = 0;
        _committed = 0;
        _origin = output is PooledBufferWriter pooled ? pooled.WrittenCount : 0;
    }

    /// <summary>A writer that writes nothing and only counts bytes (<see cref="Position"/>).</summary>
    public static KafkaWriter CreateMeasuring() => default;

    /// <summary>True for a measuring writer.</summary>
    public readonly bool IsMeasuring => _output is null;

    /// <summary>Bytes written since this writer was created (external record regions included).</summary>
    public readonly long Position => _committed + _buffered;

    /// <summary>Commits buffered bytes to the output.</summary>
    public void Flush()
    {
        if (_output is not null && _buffered > 0)
        {
            _output.Advance(_buffered);
        }
        _committed += _buffered;
        _buffered = 0;
        _span = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (_output is null)
        {
            _buffered += size;
            return s_scratch.AsSpan(0, size);
        }
        if (_span.Length - _buffered < size)
        {
            Grow(size);
        }
        var s = _span.Slice(_buffered, size);
        _buffered += size;
        return s;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        Flush();
        _span = _output!.GetSpan(Math.Max(size, 256));
    }

    /// <summary>Writes an int8.</summary>
    public void WriteInt8(sbyte value) => Reserve(1)[0] = (byte)value;

    /// <summary>Writes a boolean as one byte (1 or 0).</summary>
    public void WriteBoolean(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>Writes a big-endian int16.</summary>
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    /// <summary>Writes a big-endian uint16.</summary>
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    /// <summary>Writes a big-endian int32.</summary>
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    /// <summary>Writes a big-endian uint32.</summary>
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    /// <summary>Writes a big-endian int64.</summary>
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    /// <summary>Writes a big-endian float64.</summary>
    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), value);

    /// <summary>Writes a UUID, most significant byte first.</summary>
    public void WriteUuid(Guid value)
    {
        var ok = value.TryWriteBytes(Reserve(16), bigEndian: true, out _);
        System.Diagnostics.Debug.Assert(ok, "16 bytes were reserved");
    }

    /// <summary>Writes an unsigned varint.</summary>
    public void WriteUnsignedVarInt(uint value) => VarInt.WriteUnsigned(Reserve(VarInt.SizeOfUnsigned(value)), value);

    /// <summary>Writes a zigzag varint.</summary>
    public void WriteVarInt(int value) => WriteUnsignedVarInt(VarInt.ZigZag(value));

    /// <summary>Writes a zigzag varlong.</summary>
    public void WriteVarLong(long value)
    {
        var raw = VarInt.ZigZag(value);
        VarInt.WriteUnsigned(Reserve(VarInt.SizeOfUnsigned(raw)), raw);
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        if (_output is null)
        {
            _buffered += data.Length;
            return;
        }
        while (!data.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                Flush();
                _span = _output.GetSpan(Math.Min(data.Length, 64 * 1024));
            }
            var n = Math.Min(_span.Length - _buffered, data.Length);
            data[..n].CopyTo(_span[_buffered..]);
            _buffered += n;
            data = data[n..];
        }
    }

    private void WriteLength(int length, bool compact, bool int16)
    {
        if (compact)
        {
            WriteUnsignedVarInt((uint)(length + 1));
        }
        else if (int16)
        {
            WriteInt16((short)length);
        }
        else
        {
            WriteInt32(length);
        }
    }

    /// <summary>Writes a non-null string (int16 length, or compact). A null value is a caller error.</summary>
    public void WriteString(string? value, bool compact = false)
    {
        if (value is null)
        {
            throw new KafkaProtocolException("A non-nullable string field is null.", ErrorCode.InvalidRequest);
        }
        WriteNullableString(value, compact);
    }

    /// <summary>Writes a nullable string (length -1, or compact 0, for null).</summary>
    public void WriteNullableString(string? value, bool compact = false)
    {
        if (value is null)
        {
            WriteLength(-1, compact, int16: true);
            return;
        }
        var byteCount = Encoding.UTF8.GetByteCount(value);
        if (!compact && byteCount > short.MaxValue)
        {
            throw new KafkaProtocolException($"A string of {byteCount} UTF-8 bytes does not fit an int16 length.", ErrorCode.InvalidRequest);
        }
        WriteLength(byteCount, compact, int16: true);
        if (byteCount == 0)
        {
            return;
        }
        if (_output is null)
        {
            _buffered += byteCount;
            return;
        }
        if (byteCount <= 512 || _span.Length - _buffered >= byteCount)
        {
            Encoding.UTF8.GetBytes(value, Reserve(byteCount));
            return;
        }
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var n = Encoding.UTF8.GetBytes(value, rented);
            WriteRaw(rented.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes a compact non-null string.</summary>
    public void WriteCompactString(string? value) => WriteString(value, compact: true);

    /// <summary>Writes a compact nullable string.</summary>
    public void WriteCompactNullableString(string? value) => WriteNullableString(value, compact: true);

    /// <summary>Writes non-null bytes (int32 length, or compact).</summary>
    public void WriteBytes(ReadOnlySpan<byte> value, bool compact = false)
    {
        WriteLength(value.Length, compact, int16: false);
        WriteRaw(value);
    }

    /// <summary>Writes nullable bytes.</summary>
    public void WriteNullableBytes(ReadOnlyMemory<byte>? value, bool compact = false)
    {
        if (value is { } v)
        {
            WriteBytes(v.Span, compact);
        }
        else
        {
            WriteLength(-1, compact, int16: false);
        }
    }

    /// <summary>
    /// Writes a record set: null, in-memory bytes, or an external region (size prefix written inline,
    /// then a splice point recorded in the <see cref="SegmentedBufferWriter"/> output; measuring
    /// writers count the region's length). Any other output refuses external regions.
    /// </summary>
    public void WriteRecords(RecordSet records, bool compact = false)
    {
        if (records.IsNull)
        {
            WriteLength(-1, compact, int16: false);
            return;
        }
        if (!records.IsExternal)
        {
            WriteBytes(records.Memory.Span, compact);
            return;
        }
        WriteLength(records.Length, compact, int16: false);
        if (_output is null)
        {
            _buffered += records.Length;
            return;
        }
        if (_output is not SegmentedBufferWriter segments)
        {
            throw new InvalidOperationException("External record regions can only be written to a SegmentedBufferWriter.");
        }
        Flush();
        segments.AddExternal(records.External!, records.Length);
        _committed += records.Length;
    }

    /// <summary>Writes an array count (int32, or compact count + 1).</summary>
    public void WriteArrayCount(int count, bool compact = false) => WriteLength(count, compact, int16: false);

    /// <summary>Writes the count of a null array (-1, or compact 0).</summary>
    public void WriteNullArray(bool compact = false) => WriteLength(-1, compact, int16: false);

    /// <summary>Writes an int32 array.</summary>
    public void WriteInt32Array(List<int>? values, bool compact = false)
    {
        values ??= [];
        WriteArrayCount(values.Count, compact);
        foreach (var v in values)
        {
            WriteInt32(v);
        }
    }

    /// <summary>Writes an int64 array.</summary>
    public void WriteInt64Array(List<long>? values, bool compact = false)
    {
        values ??= [];
        WriteArrayCount(values.Count, compact);
        foreach (var v in values)
        {
            WriteInt64(v);
        }
    }

    /// <summary>Writes a string array; null is written as a null array when <paramref name="nullable"/>, else as empty.</summary>
    public void WriteStringArray(List<string>? values, bool compact = false, bool nullable = false)
    {
        if (values is null)
        {
            if (nullable)
            {
                WriteNullArray(compact);
            }
            else
            {
                WriteArrayCount(0, compact);
            }
            return;
        }
        WriteArrayCount(values.Count, compact);
        foreach (var v in values)
        {
            WriteString(v, compact);
        }
    }

    /// <summary>Writes a tagged-field section holding <paramref name="fields"/> (in ascending tag order).</summary>
    public void WriteTaggedFields(List<TaggedField>? fields)
    {
        if (fields is null || fields.Count == 0)
        {
            WriteUnsignedVarInt(0);
            return;
        }
        WriteUnsignedVarInt((uint)fields.Count);
        foreach (var f in fields)
        {
            WriteTaggedField(f.Tag, f.Data.Span);
        }
    }

    /// <summary>Writes one tagged field: tag, size and bytes.</summary>
    public void WriteTaggedField(int tag, ReadOnlySpan<byte> data)
    {
        WriteUnsignedVarInt((uint)tag);
        WriteUnsignedVarInt((uint)data.Length);
        WriteRaw(data);
    }

    /// <summary>
    /// Writes a placeholder int32 and returns its position, to be filled by <see cref="PatchInt32"/>.
    /// </summary>
    public long ReserveInt32()
    {
        var p = Position;
        WriteInt32(0);
        return p;
    }

    /// <summary>
    /// Overwrites the int32 at <paramref name="position"/> (from <see cref="ReserveInt32"/>). Needs a
    /// <see cref="PooledBufferWriter"/> output (positions
    /// are relative to this writer's start); a measuring writer ignores the call.
    /// </summary>
    public void PatchInt32(long position, int value)
    {
        if (_output is null)
        {
            return;
        }
        if (_output is not PooledBufferWriter pooled)
        {
            throw new InvalidOperationException("Back-patching needs a PooledBufferWriter output.");
        }
        Flush();
        pooled.PatchInt32(checked(_origin + (int)position), value);
    }
}
