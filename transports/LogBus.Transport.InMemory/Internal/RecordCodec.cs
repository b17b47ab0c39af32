using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

namespace LogBus.Transport.InMemory.Internal;

/// <summary>
/// The in-memory log's record encoding (little-endian): key length (-1: null), key, value length, value,
/// header count, then per header name length, UTF-8 name, value length, value.
/// </summary>
internal static class RecordCodec
{
    private static readonly ConcurrentDictionary<string, string> s_names = new(StringComparer.Ordinal);

    public static int EncodedSize(in OutgoingRecord record)
    {
        var size = 4 + (record.Key?.Length ?? 0) + 4 + record.Value.Length + 4;
        foreach (var header in record.Headers.AsSpan())
        {
            size += 4 + Encoding.UTF8.GetByteCount(header.Key) + 4 + header.Value.Length;
        }
        return size;
    }

    public static void Encode(in OutgoingRecord record, Span<byte> destination)
    {
        var position = 0;
        if (record.Key is { } key)
        {
            WriteBytes(destination, ref position, key.Span);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination, -1);
            position = 4;
        }
        WriteBytes(destination, ref position, record.Value.Span);
        var headers = record.Headers.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(destination[position..], headers.Length);
        position += 4;
        foreach (var header in headers)
        {
            var nameLength = Encoding.UTF8.GetBytes(header.Key, destination[(position + 4)..]);
            BinaryPrimitives.WriteInt32LittleEndian(destination[position..], nameLength);
            position += 4 + nameLength;
            WriteBytes(destination, ref position, header.Value.Span);
        }
    }

    public static LogRecord Decode(string topic, int partition, long offset, long timestampMs, ReadOnlyMemory<byte> encoded)
    {
        var span = encoded.Span;
        var position = 0;
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(span);
        position += 4;
        ReadOnlyMemory<byte>? key = null;
        if (keyLength >= 0)
        {
            key = encoded.Slice(position, keyLength);
            position += keyLength;
        }
        var valueLength = BinaryPrimitives.ReadInt32LittleEndian(span[position..]);
        position += 4;
        var value = encoded.Slice(position, valueLength);
        position += valueLength;
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[position..]);
        position += 4;
        var headers = count == 0 ? [] : new RecordHeader[count];
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32LittleEndian(span[position..]);
            position += 4;
            var name = Name(span.Slice(position, nameLength));
            position += nameLength;
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[position..]);
            position += 4;
            headers[i] = new RecordHeader(name, encoded.Slice(position, length));
            position += length;
        }
        return new LogRecord(topic, partition, offset, DateTimeOffset.FromUnixTimeMilliseconds(timestampMs), key, value, new RecordHeaders(headers));
    }

    private static void WriteBytes(Span<byte> destination, ref int position, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination[position..], bytes.Length);
        bytes.CopyTo(destination[(position + 4)..]);
        position += 4 + bytes.Length;
    }

    [ThreadStatic]
    private static (byte[] Utf8, string Name)[]? t_recent;

    // Header names repeat on every record: one string each, found by comparing bytes with the names
    // this thread decoded recently, then through a shared dictionary, without allocating.
    private static string Name(ReadOnlySpan<byte> utf8)
    {
        var recent = t_recent ??= new (byte[], string)[16];
        var slot = (utf8.Length + (utf8.Length > 0 ? utf8[0] : 0)) & 15;
        ref var entry = ref recent[slot];
        if (entry.Utf8 is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Name;
        }
        var name = LookupName(utf8);
        entry = (utf8.ToArray(), name);
        return name;
    }

    private static string LookupName(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = stackalloc char[128];
        if (utf8.Length <= chars.Length && Encoding.UTF8.TryGetChars(utf8, chars, out var written))
        {
            var lookup = s_names.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(chars[..written], out var known))
            {
                return known;
            }
            if (s_names.Count < 10_000)
            {
                var name = new string(chars[..written]);
                return s_names.GetOrAdd(name, name);
            }
            return new string(chars[..written]);
        }
        return Encoding.UTF8.GetString(utf8);
    }
}
