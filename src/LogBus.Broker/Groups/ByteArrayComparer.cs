namespace LogBus.Broker.Groups;

/// <summary>Compares byte arrays by content (keys of <c>__consumer_offsets</c>).</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    /// <summary>The one instance.</summary>
    public static ByteArrayComparer Instance { get; } = new();

    /// <inheritdoc/>
    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    /// <inheritdoc/>
    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
