using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace LogBus.Protocol;

/// <summary>
/// Reads Kafka protocol primitives from one complete frame (or any complete buffer). Big-endian
/// integers, zigzag varints, unsigned varints, classic and compact (flexible) strings, bytes and
/// arrays, tagged fields and UUIDs.
/// </summary>
/// <remarks>
/// <para>Contract: the reader never reads past its buffer and never allocates by a length it has not
/// first checked against the bytes that remain, so a hostile length costs nothing. Every defect
/// raises <see cref="KafkaProtocolException"/> with the position; nothing else is thrown.</para>
/// <para>A reader built over <see cref="ReadOnlyMemory{T}"/> returns byte fields as slices of that
/// memory (zero copy: the frame must outlive the decoded message). A reader built over a span copies
/// byte fields into new arrays.</para>
/// </remarks>
public ref struct KafkaReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly bool _hasMemory;
    private int _position;

    /// <summary>Reads from a span; byte fields are copied.</summary>
    public KafkaReader(ReadOnlySpan<byte> buffer)
    {
        _span = buffer;
        _memory = default;
        _hasMemory = false;
        _position = 0;
    }

    /// <summary>Reads from memory; byte fields and record sets are zero-copy slices of it.</summary>
    public KafkaReader(ReadOnlyMemory<byte> buffer)
    {
        _span = buffer.Span;
        _memory = buffer;
        _hasMemory = true;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly int Remaining => _span.Length - _position;

    /// <summary>Total length of the buffer.</summary>
    public readonly int Length => _span.Length;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool End => _position >= _span.Length;

    /// <summary>The bytes not yet consumed.</summary>
    public readonly ReadOnlySpan<byte> UnreadSpan => _span[_position..];

    /// <summary>Throws <see cref="KafkaProtocolException"/> with the current position.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public readonly KafkaProtocolException Error(string what) =>
        new($"Malformed Kafka message at byte {_position} of {_span.Length}: {what}.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _position))
        {
            throw Error($"needs {count} bytes, {_span.Length - _position} remain");
        }
        var s = _span.Slice(_position, count);
        _position += count;
        return s;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count) => Take(count);

    /// <summary>Reads <paramref name="count"/> raw bytes as a span of the buffer.</summary>
    public ReadOnlySpan<byte> ReadRawSpan(int count) => Take(count);

    /// <summary>Reads <paramref name="count"/> raw bytes as memory (a slice when the reader has memory, else a copy).</summary>
    public ReadOnlyMemory<byte> ReadRawMemory(int count)
    {
        var start = _position;
        var span = Take(count);
        return _hasMemory ? _memory.Slice(start, count) : span.ToArray();
    }

    /// <summary>Reads an int8.</summary>
    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    /// <summary>Reads a boolean (one byte, non-zero is true).</summary>
    public bool ReadBoolean() => Take(1)[0] != 0;

    /// <summary>Reads a big-endian int16.</summary>
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    /// <summary>Reads a big-endian uint16.</summary>
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    /// <summary>Reads a big-endian int32.</summary>
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    /// <summary>Reads a big-endian uint32.</summary>
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    /// <summary>Reads a big-endian int64.</summary>
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    /// <summary>Reads a big-endian IEEE 754 float64.</summary>
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    /// <summary>Reads a UUID: 16 bytes, most significant first (Kafka's layout).</summary>
    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    /// <summary>Reads a zigzag-encoded varint (int32), as used inside records.</summary>
    public int ReadVarInt()
    {
        var consumed = VarInt.ReadVarInt(_span[_position..], out var value);
        if (consumed <= 0)
        {
            throw Error(consumed == 0 ? "truncated varint" : "varint longer than 5 bytes");
        }
        _position += consumed;
        return value;
    }

    /// <summary>Reads a zigzag-encoded varlong (int64), as used inside records.</summary>
    public long ReadVarLong()
    {
        var consumed = VarInt.ReadVarLong(_span[_position..], out var value);
        if (consumed <= 0)
        {
            throw Error(consumed == 0 ? "truncated varlong" : "varlong longer than 10 bytes");
        }
        _position += consumed;
        return value;
    }

    /// <summary>Reads an unsigned varint (flexible versions: lengths, counts, tags).</summary>
    public uint ReadUnsignedVarInt()
    {
        var consumed = VarInt.ReadUnsignedVarInt(_span[_position..], out var value);
        if (consumed <= 0)
        {
            throw Error(consumed == 0 ? "truncated unsigned varint" : "unsigned varint longer than 5 bytes");
        }
        _position += consumed;
        return value;
    }

    /// <summary>
    /// Reads a length or count prefix: int16 for classic strings, int32 for classic bytes and arrays,
    /// unsigned varint minus one for compact types. Returns -1 for null; anything below -1 is an error.
    /// </summary>
    private int ReadLength(LengthKind kind)
    {
        long length = kind switch
        {
            LengthKind.Int16 => ReadInt16(),
            LengthKind.Int32 => ReadInt32(),
            _ => (long)ReadUnsignedVarInt() - 1,
        };
        if (length < -1)
        {
            throw Error($"negative length {length}");
        }
        if (length > int.MaxValue)
        {
            throw Error($"length {length} out of range");
        }
        return (int)length;
    }

    private int CheckedLength(int length, bool nullable, string what)
    {
        if (length == -1)
        {
            if (!nullable)
            {
                throw Error($"null {what} where a value is required");
            }
            return -1;
        }
        if (length > Remaining)
        {
            throw Error($"{what} of {length} bytes, only {Remaining} remain");
        }
        return length;
    }

    private string DecodeString(int length) => length == 0 ? string.Empty : Encoding.UTF8.GetString(Take(length));

    /// <summary>Reads a non-null string (int16 length, or compact when <paramref name="compact"/>).</summary>
    public string ReadString(bool compact = false)
    {
        var length = CheckedLength(ReadLength(compact ? LengthKind.Compact : LengthKind.Int16), nullable: false, "string");
        return DecodeString(length);
    }

    /// <summary>Reads a nullable string (length -1, or compact 0, is null).</summary>
    public string? ReadNullableString(bool compact = false)
    {
        var length = CheckedLength(ReadLength(compact ? LengthKind.Compact : LengthKind.Int16), nullable: true, "string");
        return length < 0 ? null : DecodeString(length);
    }

    /// <summary>Reads a compact (unsigned varint length + 1) non-null string.</summary>
    public string ReadCompactString() => ReadString(compact: true);

    /// <summary>Reads a compact nullable string.</summary>
    public string? ReadCompactNullableString() => ReadNullableString(compact: true);

    /// <summary>Reads non-null bytes (int32 length, or compact) as memory (slice or copy, see the type remarks).</summary>
    public ReadOnlyMemory<byte> ReadBytes(bool compact = false)
    {
        var length = CheckedLength(ReadLength(compact ? LengthKind.Compact : LengthKind.Int32), nullable: false, "bytes");
        return ReadRawMemory(length);
    }

    /// <summary>Reads nullable bytes; null is returned as <c>null</c>.</summary>
    public ReadOnlyMemory<byte>? ReadNullableBytes(bool compact = false)
    {
        var length = CheckedLength(ReadLength(compact ? LengthKind.Compact : LengthKind.Int32), nullable: true, "bytes");
        return length < 0 ? (ReadOnlyMemory<byte>?)null : ReadRawMemory(length);
    }

    /// <summary>Reads nullable bytes as a span of the buffer (no copy); <paramref name="isNull"/> tells null from empty.</summary>
    public ReadOnlySpan<byte> ReadNullableBytesSpan(bool compact, out bool isNull)
    {
        var length = CheckedLength(ReadLength(compact ? LengthKind.Compact : LengthKind.Int32), nullable: true, "bytes");
        isNull = length < 0;
        return isNull ? default : Take(length);
    }

    /// <summary>Reads a record set (nullable bytes) as a <see cref="Records.RecordSet"/> over the frame.</summary>
    public Records.RecordSet ReadRecords(bool compact = false)
    {
        var bytes = ReadNullableBytes(compact);
        return bytes is { } b ? Records.RecordSet.FromMemory(b) : Records.RecordSet.Null;
    }

    /// <summary>
    /// Reads an array count (int32, or compact) and checks that that many elements of at
    /// least <paramref name="minElementSize"/> bytes each fit in the remaining bytes, so a caller may
    /// pre-size a list by it. Returns -1 for a null array when <paramref name="nullable"/>.
    /// </summary>
    public int ReadArrayCount(int minElementSize, bool compact = false, bool nullable = false)
    {
        Debug.Assert(minElementSize >= 1, "every element occupies at least one byte");
        var count = ReadLength(compact ? LengthKind.Compact : LengthKind.Int32);
        if (count == -1)
        {
            if (!nullable)
            {
                throw Error("null array where a value is required");
            }
            return -1;
        }
        if ((long)count * minElementSize > Remaining)
        {
            throw Error($"array of {count} elements cannot fit in the {Remaining} remaining bytes");
        }
        return count;
    }

    /// <summary>Reads a non-null array of int32.</summary>
    public List<int> ReadInt32Array(bool compact = false)
    {
        var n = ReadArrayCount(4, compact);
        var list = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(ReadInt32());
        }
        return list;
    }

    /// <summary>Reads a non-null array of int64.</summary>
    public List<long> ReadInt64Array(bool compact = false)
    {
        var n = ReadArrayCount(8, compact);
        var list = new List<long>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(ReadInt64());
        }
        return list;
    }

    /// <summary>Reads an array of strings; null when the array is null and <paramref name="nullable"/>.</summary>
    public List<string>? ReadStringArray(bool compact = false, bool nullable = false)
    {
        var n = ReadArrayCount(compact ? 1 : 2, compact, nullable);
        if (n < 0)
        {
            return null;
        }
        var list = new List<string>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(ReadString(compact));
        }
        return list;
    }

    /// <summary>
    /// Reads a whole tagged-field section of a flexible structure that knows no tags: every field is
    /// kept in <paramref name="unknown"/> (created lazily, most sections are empty) so it survives a
    /// round trip. Structures with known tags loop over <see cref="ReadTaggedFieldCount"/> and
    /// <see cref="ReadTaggedFieldBody"/> instead.
    /// </summary>
    public void ReadTaggedFields(ref List<TaggedField>? unknown)
    {
        var count = ReadTaggedFieldCount();
        var previous = -1L;
        for (var i = 0; i < count; i++)
        {
            var tag = ReadUnsignedVarInt();
            if (tag <= previous)
            {
                throw Error($"tagged field {tag} out of order");
            }
            previous = tag;
            var size = CheckedLength((int)Math.Min(ReadUnsignedVarInt(), int.MaxValue), nullable: false, "tagged field");
            unknown ??= new List<TaggedField>();
            unknown.Add(new TaggedField((int)tag, ReadRawMemory(size)));
        }
    }

    /// <summary>Reads the count of a tagged-field section, checked against the remaining bytes (each field takes at least 2).</summary>
    public int ReadTaggedFieldCount()
    {
        var count = ReadUnsignedVarInt();
        if (count > (uint)Remaining / 2)
        {
            throw Error($"{count} tagged fields cannot fit in the {Remaining} remaining bytes");
        }
        return (int)count;
    }

    /// <summary>Reads the header of one tagged field: its tag and a reader over its bytes.</summary>
    public KafkaReader ReadTaggedFieldBody(out int tag)
    {
        var t = ReadUnsignedVarInt();
        if (t > int.MaxValue)
        {
            throw Error($"tag {t} out of range");
        }
        tag = (int)t;
        var size = ReadUnsignedVarInt();
        if (size > (uint)Remaining)
        {
            throw Error($"tagged field of {size} bytes, only {Remaining} remain");
        }
        var start = _position;
        Take((int)size);
        return _hasMemory ? new KafkaReader(_memory.Slice(start, (int)size)) : new KafkaReader(_span.Slice(start, (int)size));
    }

    private enum LengthKind
    {
        Int16,
        Int32,
        Compact,
    }
}
