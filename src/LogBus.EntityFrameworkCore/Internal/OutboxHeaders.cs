using System.Buffers.Binary;
using System.Text;
using LogBus.Transport;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// The outbox's header encoding (<c>logbus_outbox.headers</c>), version 1: byte 1, then per header a
/// big-endian int16 name length, the UTF-8 name, an int32 value length and the value bytes.
/// </summary>
internal static class OutboxHeaders
{
    private const byte Version = 1;

    public static byte[] Encode(RecordHeaders headers)
    {
        var span = headers.AsSpan();
        var size = 1;
        foreach (var header in span)
        {
            size += 2 + Encoding.UTF8.GetByteCount(header.Key) + 4 + header.Value.Length;
        }
        var bytes = new byte[size];
        bytes[0] = Version;
        var position = 1;
        foreach (var header in span)
        {
            var nameLength = Encoding.UTF8.GetBytes(header.Key, bytes.AsSpan(position + 2));
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(position), checked((short)nameLength));
            position += 2 + nameLength;
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(position), header.Value.Length);
            header.Value.Span.CopyTo(bytes.AsSpan(position + 4));
            position += 4 + header.Value.Length;
        }
        return bytes;
    }

    /// <summary>Decodes headers; the values slice <paramref name="bytes"/>. Throws <see cref="FormatException"/> on corrupt input.</summary>
    public static RecordHeaders Decode(byte[] bytes)
    {
        if (bytes.Length == 0 || bytes[0] != Version)
        {
            throw new FormatException($"Unknown outbox header encoding (first byte {(bytes.Length == 0 ? "missing" : bytes[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}).");
        }
        var headers = new List<RecordHeader>(8);
        var position = 1;
        while (position < bytes.Length)
        {
            if (position + 2 > bytes.Length)
            {
                throw new FormatException("Truncated outbox headers.");
            }
            var nameLength = BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(position));
            position += 2;
            if (nameLength < 0 || position + nameLength + 4 > bytes.Length)
            {
                throw new FormatException("Truncated outbox header name.");
            }
            var name = Encoding.UTF8.GetString(bytes, position, nameLength);
            position += nameLength;
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            position += 4;
            if (valueLength < 0 || position + valueLength > bytes.Length)
            {
                throw new FormatException("Truncated outbox header value.");
            }
            headers.Add(new RecordHeader(name, bytes.AsMemory(position, valueLength)));
            position += valueLength;
        }
        return new RecordHeaders([.. headers]);
    }
}
