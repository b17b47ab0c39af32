using System.Buffers;
using System.Text;
using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Builds the outgoing record of a message, the serialized value plus the envelope headers, into
/// per-thread buffers: publishing allocates nothing per message.
/// </summary>
/// <remarks>
/// Contract: the returned record points into buffers of the calling thread that the next call on that
/// thread overwrites. It must be handed to the transport (or outbox) synchronously, and those copy what
/// they keep before returning (see <see cref="ITransportProducer.ProduceAsync"/>).
/// </remarks>
internal static class EnvelopeWriter
{
    private const int GuidLength = 36;
    private const int MaxDateLength = 33; // "O" format of a DateTimeOffset: 2026-11-22T10:00:00.0000000+00:00

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_key;
    [ThreadStatic]
    private static byte[]? t_payload;
    [ThreadStatic]
    private static RecordHeader[]? t_headers;

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
    /// Assembles the record: key and value are the per-thread buffers the caller filled; header values
    /// go to a per-thread payload buffer.
    /// </summary>
    /// <param name="metadata">The message type.</param>
    /// <param name="contentType">The serializer's content type (UTF-8, cached).</param>
    /// <param name="ids">The envelope ids.</param>
    /// <param name="key">The key bytes, or null for no key.</param>
    /// <param name="value">The serialized value.</param>
    /// <param name="sentAt">The publish time.</param>
    /// <param name="traceParent">W3C traceparent, or null.</param>
    /// <param name="extraHeaders">User headers; a user header replaces an envelope header of the same name.</param>
    public static OutgoingRecord Build(MessageMetadata metadata, byte[] contentType, in EnvelopeIds ids,
        ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte> value, DateTimeOffset sentAt, string? traceParent,
        IReadOnlyDictionary<string, string>? extraHeaders)
    {
        var traceLength = traceParent is null ? 0 : Encoding.UTF8.GetByteCount(traceParent);
        var dynamicLength = GuidLength * 4 + MaxDateLength + traceLength;
        var payload = t_payload;
        if (payload is null || payload.Length < dynamicLength)
        {
            t_payload = payload = new byte[Math.Max(1024, dynamicLength)];
        }
        var headerCount = 8 + (extraHeaders?.Count ?? 0);
        var headers = t_headers;
        if (headers is null || headers.Length < headerCount)
        {
            t_headers = headers = new RecordHeader[Math.Max(16, headerCount)];
        }

        var position = 0;
        var h = 0;
        Add(ref h, headers, extraHeaders, HeaderNames.MessageId, WriteGuid(payload, ref position, ids.MessageId));
        Add(ref h, headers, extraHeaders, HeaderNames.MessageType, metadata.NameUtf8);
        Add(ref h, headers, extraHeaders, HeaderNames.ContentType, contentType);
        sentAt.UtcDateTime.TryFormat(payload.AsSpan(position), out var dateLength, "O", System.Globalization.CultureInfo.InvariantCulture);
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
            var written = Encoding.UTF8.GetBytes(traceParent, payload.AsSpan(position));
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
        return new OutgoingRecord(metadata.Topic, key, value, new RecordHeaders(headers, h));
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
