using System.Buffers;
using System.Buffers.Binary;

namespace LogBus.Protocol;

/// <summary>
/// Splits a byte stream into Kafka frames: a big-endian int32 size followed by that many bytes.
/// A message is decoded only once its whole frame is buffered.
/// </summary>
public static class FrameReader
{
    /// <summary>Size of the length prefix.</summary>
    public const int PrefixSize = 4;

    /// <summary>Default bound on a frame's size: 100 MiB, Kafka's <c>socket.request.max.bytes</c>.</summary>
    public const int DefaultMaxFrameSize = 100 * 1024 * 1024;

    /// <summary>
    /// Reads one frame. Returns false, consuming nothing, when the prefix or the body is not complete
    /// yet ("need more bytes"). Throws <see cref="KafkaProtocolException"/> for a negative size or one
    /// above <paramref name="maxFrameSize"/>, as soon as the prefix is seen (the connection cannot be
    /// resynchronised and should be closed).
    /// </summary>
    /// <param name="reader">Positioned at a frame boundary; advanced past the frame on success.</param>
    /// <param name="maxFrameSize">Largest accepted frame body size.</param>
    /// <param name="frame">The frame body (without the prefix), a slice of the input.</param>
    public static bool TryReadFrame(ref SequenceReader<byte> reader, int maxFrameSize, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (!reader.TryReadBigEndian(out int size))
        {
            return false;
        }
        CheckSize(size, maxFrameSize);
        if (reader.Remaining < size)
        {
            reader.Rewind(PrefixSize);
            return false;
        }
        frame = reader.UnreadSequence.Slice(0, size);
        reader.Advance(size);
        return true;
    }

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/> and slices the buffer past it on
    /// success. Same contract as the <see cref="SequenceReader{T}"/> overload; a single-segment buffer
    /// takes a fast path.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out ReadOnlySequence<byte> frame)
    {
        if (buffer.IsSingleSegment)
        {
            var span = buffer.FirstSpan;
            frame = default;
            if (span.Length < PrefixSize)
            {
                return false;
            }
            var size = BinaryPrimitives.ReadInt32BigEndian(span);
            CheckSize(size, maxFrameSize);
            if (span.Length - PrefixSize < size)
            {
                return false;
            }
            frame = buffer.Slice(PrefixSize, size);
            buffer = buffer.Slice(PrefixSize + size);
            return true;
        }
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadFrame(ref reader, maxFrameSize, out frame))
        {
            return false;
        }
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>Span form for callers holding contiguous bytes: the frame body is a slice of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes starting at a frame boundary.</param>
    /// <param name="maxFrameSize">Largest accepted frame body size.</param>
    /// <param name="frame">The frame body.</param>
    /// <param name="consumed">Prefix plus body length on success.</param>
    public static bool TryReadFrame(ReadOnlyMemory<byte> buffer, int maxFrameSize, out ReadOnlyMemory<byte> frame, out int consumed)
    {
        frame = default;
        consumed = 0;
        if (buffer.Length < PrefixSize)
        {
            return false;
        }
        var size = BinaryPrimitives.ReadInt32BigEndian(buffer.Span);
        CheckSize(size, maxFrameSize);
        if (buffer.Length - PrefixSize < size)
        {
            return false;
        }
        frame = buffer.Slice(PrefixSize, size);
        consumed = PrefixSize + size;
        return true;
    }

    private static void CheckSize(int size, int maxFrameSize)
    {
        if (size < 0)
        {
            throw new KafkaProtocolException($"Frame size {size} is negative.", ErrorCode.CorruptMessage);
        }
        if (size > maxFrameSize)
        {
            throw new KafkaProtocolException($"Frame size {size} exceeds the maximum of {maxFrameSize} bytes.", ErrorCode.MessageTooLarge);
        }
    }
}
