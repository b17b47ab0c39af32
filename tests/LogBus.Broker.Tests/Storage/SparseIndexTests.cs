using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

/// <summary>The in-memory indexes across many chunks, truncation and their file format.</summary>
public sealed class SparseIndexTests
{
    [Fact]
    public void Offset_index_lookups_across_chunks_truncation_and_file_round_trip()
    {
        var index = new OffsetIndex();
        // Entry k: relative offset 3k, position 100k (5000 entries: five chunks).
        for (var k = 0; k < 5000; k++)
        {
            index.Append(3 * k, 100 * k + 50);
        }
        void Check(int entries)
        {
            Assert.Equal(entries, index.Count);
            for (var rel = 0; rel < 3 * entries + 5; rel++)
            {
                var k = Math.Min(rel / 3, entries - 1);
                Assert.Equal(100 * k + 50, index.LookupPosition(rel));
            }
            Assert.Equal(0, new OffsetIndex().LookupPosition(10));
            for (var p = 0; p < 100 * entries + 200; p += 37)
            {
                var k = Math.Min((p - 50) / 100, entries - 1);
                Assert.Equal(p < 50 ? (0, 0) : (3 * k, 100 * k + 50), index.LookupByPosition(p));
            }
        }
        Check(5000);
        var copy = OffsetIndex.TryParse(index.ToBytes(), logSize: long.MaxValue)!;
        Assert.Equal(index.ToBytes(), copy.ToBytes());

        index.TruncateFrom(3 * 3000 + 1); // keeps entries 0..3000
        Check(3001);
        index.TruncateFrom(3 * 1024);     // exactly a chunk boundary
        Check(1024);
        index.TruncateFrom(3 * 700);
        Check(700);
        for (var k = 700; k < 2500; k++)
        {
            index.Append(3 * k, 100 * k + 50);
        }
        Check(2500);

        Assert.Null(OffsetIndex.TryParse(new byte[7], 100));               // not whole entries
        Assert.Null(OffsetIndex.TryParse(index.ToBytes(), logSize: 1000)); // positions past the log
    }

    [Fact]
    public void Time_index_keeps_only_growing_timestamps_and_finds_the_start_before_a_time()
    {
        var index = new TimeIndex();
        for (var k = 0; k < 3000; k++)
        {
            index.MaybeAppend(1000 + (10 * k), k);
            index.MaybeAppend(1000 + (10 * k) - 5, k); // older: ignored
        }
        Assert.Equal(3000, index.Count);
        Assert.Null(index.LookupStartBefore(1000));
        Assert.Equal(0, index.LookupStartBefore(1001));
        Assert.Equal(2047, index.LookupStartBefore(1000 + (10 * 2047) + 3));
        Assert.Equal(2999, index.LookupStartBefore(long.MaxValue));
        index.TruncateFrom(1500);
        Assert.Equal(1500, index.Count);
        Assert.Equal((1000L + (10 * 1499), 1499), index.Last);
        Assert.Equal(index.ToBytes(), TimeIndex.TryParse(index.ToBytes())!.ToBytes());
        Assert.Null(TimeIndex.TryParse(new byte[13]));
    }
}
