using System.Text;

namespace LogBus.Protocol.Records;

/// <summary>One header of a record, as spans of the batch bytes (valid while the enumerator lives).</summary>
public readonly ref struct RecordHeader
{
    internal RecordHeader(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isValueNull)
    {
        Key = key;
        Value = value;
        IsValueNull = isValueNull;
    }

    /// <summary>The header key, UTF-8.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The header value (empty when null).</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>True when the value is null.</summary>
    public bool IsValueNull { get; }

    /// <summary>Decodes the key (allocates a string).</summary>
    public string GetKeyString() => Encoding.UTF8.GetString(Key);
}
