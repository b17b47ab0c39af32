namespace LogBus.Protocol;

/// <summary>
/// One piece of an encoded frame produced by <see cref="SegmentedBufferWriter"/>: either inline bytes
/// the codec encoded, or an external region (for example a range of a log segment file) that the
/// sender must transmit itself, byte for byte, exactly <see cref="ExternalLength"/> bytes long.
/// </summary>
public readonly struct FrameSegment
{
    internal FrameSegment(ReadOnlyMemory<byte> inline)
    {
        Inline = inline;
        External = null;
        ExternalLength = 0;
    }

    internal FrameSegment(object external, int length)
    {
        Inline = default;
        External = external;
        ExternalLength = length;
    }

    /// <summary>Encoded bytes (empty for an external segment).</summary>
    public ReadOnlyMemory<byte> Inline { get; }

    /// <summary>The reference given to <see cref="Records.RecordSet.FromExternal"/>; null for inline bytes.</summary>
    public object? External { get; }

    /// <summary>Length of the external region in bytes.</summary>
    public int ExternalLength { get; }

    /// <summary>True for an external region.</summary>
    public bool IsExternal => External is not null;

    /// <summary>Bytes this segment contributes to the frame.</summary>
    public int Length => IsExternal ? ExternalLength : Inline.Length;
}
