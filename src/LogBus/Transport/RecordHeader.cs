using System.Text;

namespace LogBus.Transport;

/// <summary>One Kafka-style record header: a string key and a binary value.</summary>
/// <param name="Key">The header name.</param>
/// <param name="Value">The raw value; empty for a null or empty header value.</param>
public readonly record struct RecordHeader(string Key, ReadOnlyMemory<byte> Value)
{
    /// <summary>Creates a header whose value is the UTF-8 encoding of <paramref name="value"/>.</summary>
    public static RecordHeader FromString(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    /// <summary>The value decoded as UTF-8.</summary>
    public string GetString() => Encoding.UTF8.GetString(Value.Span);
}
