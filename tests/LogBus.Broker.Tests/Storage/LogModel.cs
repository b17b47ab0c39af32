using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Storage;

/// <summary>What a log should contain: every appended batch exactly as stored (offsets and epoch stamped).</summary>
internal sealed class LogModel
{
    private readonly List<long> _bases = new();
    private readonly List<byte[]> _batches = new();

    public int Count => _bases.Count;

    public IReadOnlyList<byte[]> Batches => _batches;

    public long EndOffset => _batches.Count == 0 ? 0 : LastOffset(_batches[^1]) + 1;

    public static long LastOffset(byte[] batch)
    {
        RecordBatchHeader.TryRead(batch, out var h);
        return h.LastOffset;
    }

    /// <summary>Records the set after a successful append (the set buffer now holds the stamped bytes).</summary>
    public void AddSet(ReadOnlySpan<byte> stampedSet)
    {
        foreach (var (h, bytes) in TestBatches.Split(stampedSet))
        {
            _bases.Add(h.BaseOffset);
            _batches.Add(bytes);
        }
    }

    /// <summary>Index of the batch containing <paramref name="offset"/>.</summary>
    public int IndexOf(long offset)
    {
        var i = _bases.BinarySearch(offset);
        if (i < 0)
        {
            i = ~i - 1;
        }
        return i;
    }

    public void TruncateFromBatch(int index)
    {
        _bases.RemoveRange(index, _bases.Count - index);
        _batches.RemoveRange(index, _batches.Count - index);
    }

    public void DropBefore(long logStart)
    {
        while (_bases.Count > 0 && LastOffset(_batches[0]) < logStart)
        {
            _bases.RemoveAt(0);
            _batches.RemoveAt(0);
        }
    }

    /// <summary>
    /// Reads <paramref name="offset"/> with <paramref name="maxBytes"/> and checks the region: it starts at
    /// the batch containing the offset, holds whole consecutive batches byte-exact, respects the limit
    /// (except a single oversized first batch), and stops early only at a segment end or the log end.
    /// </summary>
    public void VerifyRead(PartitionLog log, long offset, int maxBytes)
    {
        using var result = log.Read(offset, maxBytes);
        Assert.False(result.OffsetOutOfRange, $"offset {offset} out of range");
        var first = IndexOf(offset);
        Assert.True(result.Length > 0, $"nothing read at {offset}");
        Assert.Equal(_bases[first], result.FirstOffset);
        var region = result.ToArray();
        var batches = TestBatches.Split(region);
        for (var k = 0; k < batches.Count; k++)
        {
            Assert.True(first + k < _batches.Count, "read past the model");
            Assert.Equal(_batches[first + k], batches[k].Bytes);
        }
        if (batches.Count > 1)
        {
            Assert.True(region.Length <= maxBytes, $"region {region.Length} exceeds {maxBytes}");
        }
        var next = first + batches.Count;
        if (next < _batches.Count && region.Length + _batches[next].Length <= maxBytes)
        {
            // Stopped early: must be a segment boundary.
            Assert.Contains(log.Segments, s => s.BaseOffset == _bases[next]);
        }
    }

    public void VerifyEverything(PartitionLog log, Random rng)
    {
        Assert.Null(log.Failure);
        Assert.Equal(EndOffset == 0 ? log.LogEndOffset : EndOffset, log.LogEndOffset);
        var start = log.LogStartOffset;
        for (var o = start; o < log.LogEndOffset; o++)
        {
            VerifyRead(log, o, rng.Next(1, 64 * 1024));
        }
    }
}
