using System.Collections;
using System.Text;

namespace LogBus.Transport;

/// <summary>
/// An immutable list of record headers in wire order. Lookups return the last header with a name, as
/// Kafka clients do. Wraps an array without copying; the creator must not modify it afterwards.
/// </summary>
public readonly struct RecordHeaders : IReadOnlyList<RecordHeader>
{
    private readonly RecordHeader[]? _headers;
    private readonly int _count;

    /// <summary>Wraps the first <paramref name="count"/> entries of <paramref name="headers"/>.</summary>
    public RecordHeaders(RecordHeader[] headers, int count)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, headers.Length);
        _headers = headers;
        _count = count;
    }

    /// <summary>Wraps all of <paramref name="headers"/>.</summary>
    public RecordHeaders(RecordHeader[] headers) : this(headers, headers?.Length ?? 0) { }

    /// <summary>No headers.</summary>
    public static RecordHeaders Empty => default;

    /// <inheritdoc />
    public int Count => _count;

    /// <inheritdoc />
    public RecordHeader this[int index] =>
        (uint)index < (uint)_count ? _headers![index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The headers as a span (no copy).</summary>
    public ReadOnlySpan<RecordHeader> AsSpan() => _headers is null ? default : _headers.AsSpan(0, _count);

    /// <summary>Finds the last header named <paramref name="key"/> (ordinal comparison).</summary>
    public bool TryGetValue(string key, out ReadOnlyMemory<byte> value)
    {
        var span = AsSpan();
        for (var i = span.Length - 1; i >= 0; i--)
        {
            if (string.Equals(span[i].Key, key, StringComparison.Ordinal))
            {
                value = span[i].Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The last header named <paramref name="key"/> decoded as UTF-8, or null when absent.</summary>
    public string? GetString(string key) =>
        TryGetValue(key, out var value) ? Encoding.UTF8.GetString(value.Span) : null;

    /// <inheritdoc />
    public IEnumerator<RecordHeader> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _headers![i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
