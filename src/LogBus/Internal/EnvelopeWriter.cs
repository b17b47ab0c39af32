using System.Buffers;
using System.Text;
using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Builds the outgoing record of a message: the serialized value plus the envelope headers. One byte
/// array holds key, dynamic header values and value; the header array references slices of it, so a
/// message costs two allocations however many headers it has.
/// </summary>
internal static class EnvelopeWriter
{
    private const int GuidLength = 36;
    private const int MaxDateLength = 33; // "O" format of a DateTimeOffset: 2026-11-22T10:00:00.0000000+00:00

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_key;

    /// <summary>A cleared per-thread buffer for the serialized value.</summary>
    public static ArrayBufferWriter<byte> ValueBuffer()
    {
        var buffer = t_value ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        return buffer;
    }

    /// <summary>A cleared per-thread buffer for the key.</summary>
    public static ArrayBufferWriter<byte> KeyBuffer()
    {
        var buffer = t_key ??= new ArrayBufferWriter<byte>(128);
        buffer.ResetWrittenCount();
        return buffer;
    }

    /// <summary>
    /// Assembles the record from the per-thread value and key buffers filled by the caller.
    /// </summary>
    /// <param name="metadata">The message type.</param>
    /// <param name="contentType">The serializer's content type (UTF-8, cached).</param>
    /// <param name="ids">The envelope ids.</param>
    /// <param name="hasKey">Whether <paramref name="key"/> holds the key.</param>
    /// <param name="key">The key bytes.</param>
    /// <param name="value">The serialized value.</param>
    /// <param name="sentAt">The publish time.</param>
    /// <param name="traceParent">W3C traceparent, or null.</param>
    /// <param name="extraHeaders">User headers; a user header replaces an envelope header of the same name.</param>
    public static OutgoingRecord Build(MessageMetadata metadata, byte[] contentType, in EnvelopeIds ids,
        bool hasKey, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset sentAt, string? traceParent,
        IReadOnlyDictionary<string, string>? extraHeaders)
    {
        var traceLength = traceParent is null ? 0 : Encoding.UTF8.GetByteCount(traceParent);
        var dynamicLength = GuidLength * 2 + MaxDateLength
            + (ids.CorrelationId.HasValue ? GuidLength : 0)
            + (ids.CausationId.HasValue ? GuidLength : 0)
            + traceLength;
        var payload = new byte[(hasKey ? key.Length : 0) + dynamicLength + value.Length];
        var span = payload.AsSpan();
        var position = 0;

        ReadOnlyMemory<byte>? keyMemory = null;
        if (hasKey)
        {
            key.CopyTo(span);
            keyMemory = payload.AsMemory(0, key.Length);
            position = key.Length;
        }

        var headerCount = 5 + (ids.CorrelationId.HasValue ? 1 : 0) + (ids.CausationId.HasValue ? 1 : 0)
            + (traceParent is null ? 0 : 1) + (extraHeaders?.Count ?? 0);
        var headers = new RecordHeader[headerCount];
        var h = 0;

        Add(ref h, headers, extraHeaders, HeaderNames.MessageId, WriteGuid(payload, ref position, ids.MessageId));
        Add(ref h, headers, extraHeaders, HeaderNames.MessageType, metadata.NameUtf8);
        Add(ref h, headers, extraHeaders, HeaderNames.ContentType, contentType);
        sentAt.UtcDateTime.TryFormat(span[position..], out var dateLength, "O", System.Globalization.CultureInfo.InvariantCulture);
        Add(ref h, headers, extraHeaders, HeaderNames.SentAt, payload.AsMemory(position, dateLength));
        position += dateLength;
        Add(ref h, headers, extraHeaders, HeaderNames.ConversationId, WriteGuid(payload, ref position, ids.ConversationId));
        if (ids.CorrelationId is { } correlation)
        {
            Add(ref h, headers, extraHeaders, HeaderNames.CorrelationId, WriteGuid(payload, ref position, correlation));
        }
        if (ids.CausationId is { } causation)
        {
            Add(ref h, headers, extraHeaders, HeaderNames.CausationId, WriteGuid(payload, ref position, causation));
        }
        if (traceParent is not null)
        {
            var written = Encoding.UTF8.GetBytes(traceParent, span[position..]);
            Add(ref h, headers, extraHeaders, HeaderNames.TraceParent, payload.AsMemory(position, written));
            position += written;
        }
        if (extraHeaders is not null)
        {
            foreach (var (name, headerValue) in extraHeaders)
            {
                headers[h++] = new RecordHeader(name, Encoding.UTF8.GetBytes(headerValue ?? string.Empty));
            }
        }

        // The date is usually shorter than its reserved space: the value follows what was written.
        value.CopyTo(span[position..]);
        var valueMemory = payload.AsMemory(position, value.Length);
        return new OutgoingRecord(metadata.Topic, keyMemory, valueMemory, new RecordHeaders(headers, h));
    }

    private static void Add(ref int index, RecordHeader[] headers, IReadOnlyDictionary<string, string>? extra, string name, ReadOnlyMemory<byte> value)
    {
        if (extra is null || !extra.ContainsKey(name))
        {
            headers[index++] = new RecordHeader(name, value);
        }
    }

    private static ReadOnlyMemory<byte> WriteGuid(byte[] payload, ref int position, Guid value)
    {
        value.TryFormat(payload.AsSpan(position), out var written, "D");
        var memory = payload.AsMemory(position, written);
        position += written;
        return memory;
    }
}
