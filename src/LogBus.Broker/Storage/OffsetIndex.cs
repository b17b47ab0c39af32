using System.Buffers.Binary;
using System.Diagnostics;

namespace LogBus.Broker.Storage;

/// <summary>
/// The sparse offset index of one segment: (offset relative to the segment base, file position) of a
/// batch start, one entry about every <see cref="LogConfig.IndexIntervalBytes"/>. Held in memory and
/// written to the <c>.index</c> file in bulk when the segment is sealed or closed.
/// </summary>
/// <remarks>
/// Concurrency: one writer (the partition's appender, under its lock) and any number of lock-free
/// readers, through <see cref="ChunkedList{T}"/> (entries are never copied as the index grows).
/// File format: 8-byte big-endian entries (int32 relative offset, int32 position).
/// </remarks>
internal sealed class OffsetIndex
{
    /// <summary>Bytes per entry on disk.</summary>
    public const int EntrySize = 8;

    private readonly ChunkedList<Entry> _entries = new();

    /// <summary>Number of published entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The last entry, or (0, 0) when empty.</summary>
    public (int RelativeOffset, int Position) Last
    {
        get
        {
            var entries = _entries.GetSnapshot();
            var count = entries.Count;
            return count == 0 ? (0, 0) : (entries[count - 1].RelativeOffset, entries[count - 1].Position);
        }
    }

    /// <summary>Appends an entry (writer only). Offsets and positions must increase.</summary>
    public void Append(int relativeOffset, int position)
    {
        Debug.Assert(Count == 0 || (Last.RelativeOffset < relativeOffset && Last.Position < position), "offset index entries must increase");
        _entries.Add(new Entry(relativeOffset, position));
    }

    /// <summary>Position of the last indexed batch whose relative base offset is at most <paramref name="relativeOffset"/>; 0 when none.</summary>
    public int LookupPosition(long relativeOffset)
    {
        var entries = _entries.GetSnapshot();
        int lo = 0, hi = entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].RelativeOffset <= relativeOffset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : entries[found].Position;
    }

    /// <summary>The last indexed batch starting at or before <paramref name="position"/>; (0, 0) when none.</summary>
    public (int RelativeOffset, int Position) LookupByPosition(long position)
    {
        var entries = _entries.GetSnapshot();
        int lo = 0, hi = entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].Position <= position)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? (0, 0) : (entries[found].RelativeOffset, entries[found].Position);
    }

    /// <summary>Removes entries at or after <paramref name="relativeOffset"/> (writer only).</summary>
    public void TruncateFrom(long relativeOffset)
    {
        var entries = _entries.GetSnapshot();
        var keep = entries.Count;
        while (keep > 0 && entries[keep - 1].RelativeOffset >= relativeOffset)
        {
            keep--;
        }
        _entries.Truncate(keep);
    }

    /// <summary>Serializes the published entries (big-endian) into a new array.</summary>
    public byte[] ToBytes()
    {
        var entries = _entries.GetSnapshot();
        var count = entries.Count;
        var bytes = new byte[count * EntrySize];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(i * EntrySize), entries[i].RelativeOffset);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((i * EntrySize) + 4), entries[i].Position);
        }
        return bytes;
    }

    /// <summary>
    /// Parses an index file's bytes. Returns null when they are inconsistent (size not a multiple of an
    /// entry, entries not increasing, a position beyond <paramref name="logSize"/>): the caller rebuilds.
    /// </summary>
    public static OffsetIndex? TryParse(ReadOnlySpan<byte> bytes, long logSize)
    {
        if (bytes.Length % EntrySize != 0)
        {
            return null;
        }
        var count = bytes.Length / EntrySize;
        var index = new OffsetIndex();
        int lastOffset = -1, lastPosition = -1;
        for (var i = 0; i < count; i++)
        {
            var rel = BinaryPrimitives.ReadInt32BigEndian(bytes[(i * EntrySize)..]);
            var pos = BinaryPrimitives.ReadInt32BigEndian(bytes[((i * EntrySize) + 4)..]);
            if (rel <= lastOffset || pos <= lastPosition || pos >= logSize)
            {
                return null;
            }
            index.Append(rel, pos);
            lastOffset = rel;
            lastPosition = pos;
        }
        return index;
    }

    private readonly record struct Entry(int RelativeOffset, int Position);
}
