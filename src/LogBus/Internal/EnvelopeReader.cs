using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>Reads the envelope headers of a consumed record without allocating for the common case.</summary>
internal static class EnvelopeReader
{
    /// <summary>
    /// The message id from the <c>message-id</c> header; for records without one (written by a non-LogBus
    /// producer) a stable id derived from topic, partition and offset, so redeliveries share it.
    /// </summary>
    public static Guid MessageId(LogRecord record)
    {
        if (TryGetGuid(record.Headers, HeaderNames.MessageId) is { } id)
        {
            return id;
        }
        Span<byte> hash = stackalloc byte[32];
        var input = Encoding.UTF8.GetBytes($"{record.Topic}/{record.Partition}/{record.Offset}");
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>A header parsed as a GUID, or null when absent or not a GUID.</summary>
    public static Guid? TryGetGuid(RecordHeaders headers, string name)
    {
        if (headers.TryGetValue(name, out var value)
            && Utf8Parser.TryParse(value.Span, out Guid guid, out var consumed, 'D')
            && consumed == value.Length)
        {
            return guid;
        }
        return null;
    }

    /// <summary>The <c>sent-at</c> header, or null.</summary>
    public static DateTimeOffset? SentAt(RecordHeaders headers)
    {
        if (headers.TryGetValue(HeaderNames.SentAt, out var value))
        {
            Span<char> chars = stackalloc char[64];
            if (value.Length <= chars.Length
                && Encoding.UTF8.TryGetChars(value.Span, chars, out var written)
                && DateTimeOffset.TryParse(chars[..written], System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at))
            {
                return at;
            }
        }
        return null;
    }
}
