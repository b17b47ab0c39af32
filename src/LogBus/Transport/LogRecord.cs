namespace LogBus.Transport;

/// <summary>
/// A record read from a partition of the log. Immutable; transports may share one instance among many
/// readers (the in-memory log hands out its stored records).
/// </summary>
public sealed class LogRecord
{
    /// <summary>Creates a record.</summary>
    public LogRecord(string topic, int partition, long offset, DateTimeOffset timestamp,
        ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte> value, RecordHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(topic);
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Timestamp = timestamp;
        Key = key;
        Value = value;
        Headers = headers;
    }

    /// <summary>Topic the record was read from.</summary>
    public string Topic { get; }

    /// <summary>Partition the record was read from.</summary>
    public int Partition { get; }

    /// <summary>Offset of the record in its partition.</summary>
    public long Offset { get; }

    /// <summary>The record timestamp (create time).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The partition key, or null for a record without key.</summary>
    public ReadOnlyMemory<byte>? Key { get; }

    /// <summary>The record value (the serialized message).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The record headers (the LogBus envelope lives here).</summary>
    public RecordHeaders Headers { get; }

    /// <summary>Approximate memory the record's payload occupies, for retention by bytes.</summary>
    public int PayloadSize
    {
        get
        {
            var size = Value.Length + (Key?.Length ?? 0);
            foreach (var h in Headers.AsSpan())
            {
                size += h.Key.Length + h.Value.Length;
            }
            return size;
        }
    }
}
