using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>Copies a record out of per-thread buffers, for paths that must await before handing it on.</summary>
internal static class RecordCopy
{
    public static OutgoingRecord Detach(in OutgoingRecord record)
    {
        var source = record.Headers.AsSpan();
        var headers = new RecordHeader[source.Length];
        for (var i = 0; i < source.Length; i++)
        {
            headers[i] = new RecordHeader(source[i].Key, source[i].Value.ToArray());
        }
        return record with
        {
            Key = record.Key is { } key ? key.ToArray() : null,
            Value = record.Value.ToArray(),
            Headers = new RecordHeaders(headers),
        };
    }

    public static OutgoingMessage Detach(in OutgoingMessage message) => message with { Record = Detach(message.Record) };
}
