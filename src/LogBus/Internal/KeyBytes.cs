namespace LogBus.Internal;

/// <summary>A record key compared by content, for per-key ordering inside a partition.</summary>
internal readonly struct KeyBytes(ReadOnlyMemory<byte> key) : IEquatable<KeyBytes>
{
    private readonly ReadOnlyMemory<byte> _key = key;

    public bool Equals(KeyBytes other) => _key.Span.SequenceEqual(other._key.Span);

    public override bool Equals(object? obj) => obj is KeyBytes other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_key.Span);
        return hash.ToHashCode();
    }
}
