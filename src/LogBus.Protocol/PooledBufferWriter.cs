using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace LogBus.Protocol;

/// <summary>
/// A growable, contiguous <see cref="IBufferWriter{T}"/> over arrays rented from
/// <see cref="ArrayPool{T}.Shared"/>. Unlike a pipe, everything written stays addressable, so length
/// prefixes can be back-patched (<see cref="PatchInt32"/>) and the result read as one span.
/// </summary>
/// <remarks>
/// Ownership: one owner writes, reads <see cref="WrittenMemory"/>, and disposes (which returns the
/// array to the pool; memory handed out before must not be used afterwards). Not thread-safe.
/// Growth is bounded by <see cref="MaxCapacity"/>.
/// </remarks>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    /// <summary>Creates a writer with at least <paramref name="initialCapacity"/> bytes.</summary>
    /// <param name="initialCapacity">Initial size of the rented array. Defaults to 4096.</param>
    /// <param name="maxCapacity">Bound on the buffer size. Defaults to <see cref="Array.MaxLength"/>.</param>
    public PooledBufferWriter(int initialCapacity = 4096, int maxCapacity = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, 1);
        MaxCapacity = Math.Min(maxCapacity, Array.MaxLength);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, Math.Min(initialCapacity, MaxCapacity)));
    }

    /// <summary>The largest number of bytes this writer will hold; growing past it throws.</summary>
    public int MaxCapacity { get; }

    /// <summary>Bytes written so far.</summary>
    public int WrittenCount => _written;

    /// <summary>Current capacity of the rented array.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>The bytes written so far (valid until the next write, <see cref="Clear"/> or dispose).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>The bytes written so far as memory (same validity as <see cref="WrittenSpan"/>).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>A writable view of already written bytes, for back-patching.</summary>
    public Span<byte> GetWrittenSpan(int start, int length)
    {
        if ((uint)start > (uint)_written || (uint)length > (uint)(_written - start))
        {
            throw new ArgumentOutOfRangeException(nameof(start), "The range is outside the written bytes.");
        }
        return _buffer.AsSpan(start, length);
    }

    /// <summary>Overwrites a big-endian int32 at <paramref name="position"/> (which must already be written).</summary>
    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(GetWrittenSpan(position, 4), value);

    /// <summary>Forgets the written bytes and keeps the array for reuse.</summary>
    public void Clear() => _written = 0;

    /// <inheritdoc/>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Advanced past the end of the buffer.");
        }
        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Makes room for at least <paramref name="sizeHint"/> (at least one) more bytes.</summary>
    public void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }
        var needed = (long)_written + sizeHint;
        if (needed > MaxCapacity)
        {
            throw new InvalidOperationException($"The buffer would grow to {needed} bytes, above its bound of {MaxCapacity}.");
        }
        var size = Math.Min(Math.Max(needed, (long)_buffer.Length * 2), MaxCapacity);
        var next = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _written).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
        Debug.Assert(_buffer.Length - _written >= sizeHint, "grown buffer holds the request");
    }

    /// <summary>Returns the array to the pool. Memory obtained from this writer must not be used afterwards.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
