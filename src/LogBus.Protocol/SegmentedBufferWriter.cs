using System.Buffers;

namespace LogBus.Protocol;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that produces a frame as a sequence of segments: inline bytes
/// interleaved with external record regions. This is how a broker encodes a Fetch response without
/// copying log bytes: partitions carry <see cref="Records.RecordSet.FromExternal"/> values, the
/// encoder writes each one's int32 size prefix inline and then records a splice point here.
/// </summary>
/// <remarks>
/// <para>Contract for the sender (the broker): encode with <see cref="FrameWriter"/> (or a
/// <see cref="KafkaWriter"/> over this object), then walk <see cref="GetSegments"/> in order and
/// transmit each inline segment's bytes and, for each external segment, exactly
/// <see cref="FrameSegment.ExternalLength"/> bytes of the region its <see cref="FrameSegment.External"/>
/// reference denotes (for example with <c>SendPacketsElement(FileStream, offset, count)</c>). The frame's
/// size prefix already counts the external bytes, so sending fewer or more corrupts the connection.</para>
/// <para>Lifetime: external references are opaque to the codec; the broker keeps what they denote
/// (open files, pinned segments) alive until the send completes. Inline memory is valid until
/// <see cref="Clear"/> or <see cref="Dispose"/>. One owner; not thread-safe.</para>
/// </remarks>
public sealed class SegmentedBufferWriter : IBufferWriter<byte>, IDisposable
{
    private readonly PooledBufferWriter _inline;
    private readonly List<Splice> _splices = new();
    private long _externalBytes;

    /// <summary>Creates a writer.</summary>
    /// <param name="initialCapacity">Initial inline buffer size. Defaults to 4096.</param>
    public SegmentedBufferWriter(int initialCapacity = 4096) => _inline = new PooledBufferWriter(initialCapacity);

    /// <summary>Total frame bytes: inline plus external.</summary>
    public long TotalLength => _inline.WrittenCount + _externalBytes;

    /// <summary>Inline bytes written.</summary>
    public int InlineLength => _inline.WrittenCount;

    /// <summary>Number of external regions.</summary>
    public int ExternalCount => _splices.Count;

    /// <summary>Appends an external region at the current position.</summary>
    public void AddExternal(object reference, int length)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _splices.Add(new Splice(_inline.WrittenCount, reference, length));
        _externalBytes += length;
    }

    /// <summary>The segments in frame order (inline segments of zero length are skipped).</summary>
    public SegmentEnumerator GetSegments() => new(this);

    /// <summary>Forgets everything written; keeps the buffers.</summary>
    public void Clear()
    {
        _inline.Clear();
        _splices.Clear();
        _externalBytes = 0;
    }

    /// <inheritdoc/>
    public void Advance(int count) => _inline.Advance(count);

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0) => _inline.GetMemory(sizeHint);

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0) => _inline.GetSpan(sizeHint);

    /// <summary>Returns the inline buffer to the pool.</summary>
    public void Dispose() => _inline.Dispose();

    private readonly record struct Splice(int InlinePosition, object Reference, int Length);

    /// <summary>Enumerates <see cref="FrameSegment"/>s without allocating.</summary>
    public struct SegmentEnumerator
    {
        private readonly SegmentedBufferWriter _owner;
        private int _splice;     // next splice to emit
        private int _inlineFrom; // start of the next inline run
        private bool _pendingExternal;

        internal SegmentEnumerator(SegmentedBufferWriter owner)
        {
            _owner = owner;
            _splice = 0;
            _inlineFrom = 0;
            _pendingExternal = false;
            Current = default;
        }

        /// <summary>The current segment.</summary>
        public FrameSegment Current { get; private set; }

        /// <summary>For <c>foreach</c>.</summary>
        public readonly SegmentEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next segment.</summary>
        public bool MoveNext()
        {
            var memory = _owner._inline.WrittenMemory;
            while (true)
            {
                if (_pendingExternal)
                {
                    var s = _owner._splices[_splice++];
                    _pendingExternal = false;
                    Current = new FrameSegment(s.Reference, s.Length);
                    return true;
                }
                var end = _splice < _owner._splices.Count ? _owner._splices[_splice].InlinePosition : memory.Length;
                var from = _inlineFrom;
                _inlineFrom = end;
                _pendingExternal = _splice < _owner._splices.Count;
                if (end > from)
                {
                    Current = new FrameSegment(memory[from..end]);
                    return true;
                }
                if (!_pendingExternal)
                {
                    return false;
                }
            }
        }
    }
}
