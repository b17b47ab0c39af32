using System.Diagnostics;

namespace LogBus.Internal;

/// <summary>
/// Tracks records of one partition that are in flight out of order (key-level concurrency) and yields
/// the committable position: one past the highest offset below which every tracked record completed.
/// Offsets are added in increasing order. Not thread-safe: the owning worker serializes calls.
/// </summary>
internal sealed class OffsetTracker
{
    private long[] _offsets;
    private bool[] _done;
    private int _head;
    private int _count;

    public OffsetTracker(int capacity)
    {
        _offsets = new long[Math.Max(4, capacity)];
        _done = new bool[_offsets.Length];
    }

    /// <summary>The position to commit: -1 until the first record completes.</summary>
    public long Position { get; private set; } = -1;

    public int Count => _count;

    public void Add(long offset)
    {
        Debug.Assert(_count == 0 || offset > _offsets[(_head + _count - 1) % _offsets.Length], "offsets must increase");
        if (_count == _offsets.Length)
        {
            Grow();
        }
        var slot = (_head + _count) % _offsets.Length;
        _offsets[slot] = offset;
        _done[slot] = false;
        _count++;
    }

    /// <summary>Marks a tracked offset complete and advances <see cref="Position"/> past the completed prefix.</summary>
    public void Complete(long offset)
    {
        var index = Find(offset);
        Debug.Assert(index >= 0, "completed offset must be tracked");
        if (index < 0)
        {
            return;
        }
        _done[(_head + index) % _offsets.Length] = true;
        while (_count > 0 && _done[_head])
        {
            Position = _offsets[_head] + 1;
            _head = (_head + 1) % _offsets.Length;
            _count--;
        }
    }

    private int Find(long offset)
    {
        // Binary search over the ring: tracked offsets are ascending.
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var value = _offsets[(_head + mid) % _offsets.Length];
            if (value == offset)
            {
                return mid;
            }
            if (value < offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return -1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var done = new bool[offsets.Length];
        for (var i = 0; i < _count; i++)
        {
            offsets[i] = _offsets[(_head + i) % _offsets.Length];
            done[i] = _done[(_head + i) % _offsets.Length];
        }
        _offsets = offsets;
        _done = done;
        _head = 0;
    }
}
