using System.Runtime.CompilerServices;

namespace LogBus.Protocol;

/// <summary>
/// Variable-length integers: unsigned LEB128 varints (flexible versions) and zigzag varints and
/// varlongs (record fields). Readers return the number of bytes consumed, 0 when the span ends
/// before the value does ("need more bytes") and -1 when the encoding is longer than the type allows.
/// </summary>
public static class VarInt
{
    /// <summary>Largest encoded size of a 32-bit varint.</summary>
    public const int MaxVarIntSize = 5;

    /// <summary>Largest encoded size of a 64-bit varlong.</summary>
    public const int MaxVarLongSize = 10;

    /// <summary>Reads an unsigned varint (at most 5 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadUnsignedVarInt(ReadOnlySpan<byte> source, out uint value)
    {
        // Fast path: one byte holds 0..127, the common case for lengths, counts and deltas.
        if (source.Length > 0 && source[0] < 0x80)
        {
            value = source[0];
            return 1;
        }
        return ReadUnsignedVarIntSlow(source, out value);
    }

    private static int ReadUnsignedVarIntSlow(ReadOnlySpan<byte> source, out uint value)
    {
        uint result = 0;
        for (var i = 0; i < MaxVarIntSize; i++)
        {
            if (i >= source.Length)
            {
                value = 0;
                return 0;
            }
            var b = source[i];
            if (i == MaxVarIntSize - 1 && b > 0x0F)
            {
                value = 0;
                return -1;
            }
            result |= (uint)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                value = result;
                return i + 1;
            }
        }
        value = 0;
        return -1;
    }

    /// <summary>Reads an unsigned varlong (at most 10 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadUnsignedVarLong(ReadOnlySpan<byte> source, out ulong value)
    {
        if (source.Length > 0 && source[0] < 0x80)
        {
            value = source[0];
            return 1;
        }
        return ReadUnsignedVarLongSlow(source, out value);
    }

    private static int ReadUnsignedVarLongSlow(ReadOnlySpan<byte> source, out ulong value)
    {
        ulong result = 0;
        for (var i = 0; i < MaxVarLongSize; i++)
        {
            if (i >= source.Length)
            {
                value = 0;
                return 0;
            }
            var b = source[i];
            if (i == MaxVarLongSize - 1 && b > 0x01)
            {
                value = 0;
                return -1;
            }
            result |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                value = result;
                return i + 1;
            }
        }
        value = 0;
        return -1;
    }

    /// <summary>Reads a zigzag varint (int32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadVarInt(ReadOnlySpan<byte> source, out int value)
    {
        var n = ReadUnsignedVarInt(source, out var raw);
        value = (int)(raw >> 1) ^ -(int)(raw & 1);
        return n;
    }

    /// <summary>Reads a zigzag varlong (int64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadVarLong(ReadOnlySpan<byte> source, out long value)
    {
        var n = ReadUnsignedVarLong(source, out var raw);
        value = (long)(raw >> 1) ^ -(long)(raw & 1);
        return n;
    }

    /// <summary>Encoded size of an unsigned varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfUnsigned(uint value) =>
        // 1 + floor(highest set bit index / 7); zero takes one byte.
        ((31 - System.Numerics.BitOperations.LeadingZeroCount(value | 1)) / 7) + 1;

    /// <summary>Encoded size of an unsigned varlong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfUnsigned(ulong value) => ((63 - System.Numerics.BitOperations.LeadingZeroCount(value | 1)) / 7) + 1;

    /// <summary>Encoded size of a zigzag varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfVarInt(int value) => SizeOfUnsigned(ZigZag(value));

    /// <summary>Encoded size of a zigzag varlong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfVarLong(long value) => SizeOfUnsigned(ZigZag(value));

    /// <summary>Zigzag-encodes an int32 (small magnitudes of either sign become small numbers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    /// <summary>Zigzag-encodes an int64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    /// <summary>Writes an unsigned varint; <paramref name="destination"/> must hold <see cref="SizeOfUnsigned(uint)"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteUnsigned(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Writes an unsigned varlong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Writes a zigzag varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarInt(Span<byte> destination, int value) => WriteUnsigned(destination, ZigZag(value));

    /// <summary>Writes a zigzag varlong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarLong(Span<byte> destination, long value) => WriteUnsigned(destination, ZigZag(value));
}
