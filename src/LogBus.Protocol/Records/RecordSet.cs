namespace LogBus.Protocol.Records;

/// <summary>
/// The <c>records</c> field of Produce and Fetch: null, in-memory bytes (usually a slice of the frame
/// it was decoded from, zero copy) or an external region of known length that the encoder splices
/// into a <see cref="SegmentedBufferWriter"/> instead of copying (see that type for the contract).
/// </summary>
public readonly struct RecordSet : IEquatable<RecordSet>
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly object? _external;
    private readonly int _length;
    private readonly byte _kind; // 0 null, 1 memory, 2 external

    private RecordSet(ReadOnlyMemory<byte> memory, object? external, int length, byte kind)
    {
        _memory = memory;
        _external = external;
        _length = length;
        _kind = kind;
    }

    /// <summary>The null record set (length -1 on the wire).</summary>
    public static RecordSet Null => default;

    /// <summary>An empty, non-null record set.</summary>
    public static RecordSet Empty => new(ReadOnlyMemory<byte>.Empty, null, 0, 1);

    /// <summary>Record batches held in memory.</summary>
    public static RecordSet FromMemory(ReadOnlyMemory<byte> bytes) => new(bytes, null, bytes.Length, 1);

    /// <summary>
    /// An external region of <paramref name="length"/> bytes the sender transmits itself. The
    /// <paramref name="reference"/> is opaque to the codec and comes back in <see cref="FrameSegment.External"/>.
    /// </summary>
    public static RecordSet FromExternal(object reference, int length)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new RecordSet(default, reference, length, 2);
    }

    /// <summary>True for the null record set.</summary>
    public bool IsNull => _kind == 0;

    /// <summary>True for an external region.</summary>
    public bool IsExternal => _kind == 2;

    /// <summary>The bytes (empty when null or external).</summary>
    public ReadOnlyMemory<byte> Memory => _memory;

    /// <summary>The external reference, or null.</summary>
    public object? External => _external;

    /// <summary>Length in bytes (0 when null).</summary>
    public int Length => _length;

    /// <summary>Record sets are equal when both are null, both refer to the same external region, or both hold equal bytes.</summary>
    public bool Equals(RecordSet other) =>
        _kind == other._kind && _kind switch
        {
            0 => true,
            1 => _memory.Span.SequenceEqual(other._memory.Span),
            _ => ReferenceEquals(_external, other._external) && _length == other._length,
        };

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RecordSet other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_kind, _length);

    /// <summary>Equality operator.</summary>
    public static bool operator ==(RecordSet left, RecordSet right) => left.Equals(right);

    /// <summary>Inequality operator.</summary>
    public static bool operator !=(RecordSet left, RecordSet right) => !left.Equals(right);
}
