using System.Buffers.Binary;
using System.Diagnostics;

namespace LogBus.Broker.Storage;

/// <summary>
/// The sparse time index of one segment: (largest timestamp so far, relative offset of the batch that
/// carries it), added beside offset-index entries when the largest timestamp grew, plus a final entry
/// when the segment is sealed, so the last entry of a sealed segment is its largest timestamp.
/// </summary>
/// <remarks>
/// Same concurrency contract as <see cref="OffsetIndex"/>. File format: 12-byte big-endian entries
/// (int64 timestamp, int32 relative offset).
/// </remarks>
internal sealed class TimeIndex
{
    /// <summary>Bytes per entry on disk.</summary>
    public const int EntrySize = 12;

    private readonly ChunkedList<Entry> _entries = new();

    /// <summary>Number of published entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The last entry, or (-1, 0) when empty.</summary>
    public (long Timestamp, int RelativeOffset) Last
    {
        get
        {
            var entries = _entries.GetSnapshot();
            var count = entries.Count;
            return count == 0 ? (-1, 0) : (entries[count - 1].Timestamp, entries[count - 1].RelativeOffset);
        }
    }

    /// <summary>Appends an entry when <paramref name="timestamp"/> exceeds the last one (writer only).</summary>
    public void MaybeAppend(long timestamp, int relativeOffset)
    {
        var (lastTimestamp, lastOffset) = Last;
        if (Count > 0 && lastTimestamp >= timestamp)
        {
            return;
        }
        Debug.Assert(Count == 0 || lastOffset <= relativeOffset, "time index offsets must not decrease");
        _entries.Add(new Entry(timestamp, relativeOffset));
    }

    /// <summary>
    /// The last entry whose timestamp is below <paramref name="timestamp"/>: every batch up to and
    /// including its batch has a smaller largest timestamp, so a search for the first batch with a
    /// timestamp at or after <paramref name="timestamp"/> may start at that batch. Null when none.
    /// </summary>
    public int? LookupStartBefore(long timestamp)
    {
        var entries = _entries.GetSnapshot();
        int lo = 0, hi = entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].Timestamp < timestamp)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? null : entries[found].RelativeOffset;
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
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(i * EntrySize), entries[i].Timestamp);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((i * EntrySize) + 8), entries[i].RelativeOffset);
        }
        return bytes;
    }

    /// <summary>Parses a time index file's bytes; null when inconsistent (the caller rebuilds).</summary>
    public static TimeIndex? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % EntrySize != 0)
        {
            return null;
        }
        var count = bytes.Length / EntrySize;
        var index = new TimeIndex();
        long lastTimestamp = long.MinValue;
        var lastOffset = -1;
        for (var i = 0; i < count; i++)
        {
            var ts = BinaryPrimitives.ReadInt64BigEndian(bytes[(i * EntrySize)..]);
            var rel = BinaryPrimitives.ReadInt32BigEndian(bytes[((i * EntrySize) + 8)..]);
            if (ts <= lastTimestamp || rel < lastOffset)
            {
                return null;
            }
            index.MaybeAppend(ts, rel);
            lastTimestamp = ts;
            lastOffset = rel;
        }
        return index;
    }

    private readonly record struct Entry(long Timestamp, int RelativeOffset);
}
