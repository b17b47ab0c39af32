using System.Diagnostics;

namespace LogBus.Broker.Storage;

/// <summary>
/// The bytes a read returned: one contiguous region of one segment file holding whole batches, plus
/// the partition offsets at the time of the read.
/// </summary>
/// <remarks>
/// <para>Lease contract: while this object is not disposed, <see cref="File"/> stays open and the
/// region's bytes stay readable, even if retention, truncation of earlier offsets, or topic deletion
/// removes the segment meanwhile (its files are unlinked; the open handle keeps the data). Send it with
/// <c>Socket.SendPacketsAsync</c> and <c>new SendPacketsElement(File, Position, Length)</c> (sendfile
/// on Linux) or copy it with <see cref="CopyTo"/>, then dispose exactly when the send completed.
/// Dispose is idempotent.</para>
/// <para>The one exception is truncation of the log below the region's end (a follower truncating
/// after leader failover): then a read returns fewer bytes. Replication only truncates above the high
/// watermark, and consumer reads stop at it.</para>
/// </remarks>
internal sealed class LogReadResult : IDisposable
{
    private LogSegment? _segment;

    internal LogReadResult(LogSegment? segment, long position, int length, long firstOffset, long logStartOffset, long logEndOffset, long highWatermark, bool outOfRange)
    {
        Debug.Assert(segment is not null || length == 0, "a region needs a segment");
        _segment = segment;
        File = segment?.Stream;
        Position = position;
        Length = length;
        FirstOffset = firstOffset;
        LogStartOffset = logStartOffset;
        LogEndOffset = logEndOffset;
        HighWatermark = highWatermark;
        OffsetOutOfRange = outOfRange;
    }

    /// <summary>True when the requested offset was below the log start or above the log end offset.</summary>
    public bool OffsetOutOfRange { get; }

    /// <summary>The segment file holding the region; null when <see cref="Length"/> is 0.</summary>
    public FileStream? File { get; }

    /// <summary>Byte position of the region in <see cref="File"/>.</summary>
    public long Position { get; }

    /// <summary>Bytes in the region (whole batches); 0 when nothing is readable at the offset yet.</summary>
    public int Length { get; }

    /// <summary>Base offset of the first batch in the region (it contains the requested offset); -1 when empty.</summary>
    public long FirstOffset { get; }

    /// <summary>Log start offset when the read ran.</summary>
    public long LogStartOffset { get; }

    /// <summary>Log end offset when the read ran.</summary>
    public long LogEndOffset { get; }

    /// <summary>High watermark when the read ran.</summary>
    public long HighWatermark { get; }

    /// <summary>The segment whose file the region is in (tests and diagnostics).</summary>
    internal LogSegment? Segment => _segment;

    /// <summary>Copies the region into <paramref name="destination"/> (at least <see cref="Length"/> bytes); returns the bytes copied.</summary>
    public int CopyTo(Span<byte> destination)
    {
        if (Length == 0)
        {
            return 0;
        }
        var segment = _segment ?? throw new ObjectDisposedException(nameof(LogReadResult));
        if (destination.Length < Length)
        {
            throw new ArgumentException($"Destination needs {Length} bytes.", nameof(destination));
        }
        return segment.ReadAt(destination[..Length], Position);
    }

    /// <summary>Copies the region into a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        var n = CopyTo(bytes);
        return n == Length ? bytes : bytes[..n];
    }

    /// <summary>Releases the lease on the segment.</summary>
    public void Dispose() => Interlocked.Exchange(ref _segment, null)?.Release();
}
