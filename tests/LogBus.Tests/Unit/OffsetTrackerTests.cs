using LogBus.Internal;

namespace LogBus.Tests.Unit;

public class OffsetTrackerTests
{
    [Fact]
    public void Position_is_one_past_the_finished_prefix()
    {
        var tracker = new OffsetTracker(4);
        foreach (var offset in new long[] { 10, 11, 12, 15, 16 })
        {
            tracker.Add(offset);
        }
        Assert.Equal(-1, tracker.Position);
        tracker.Complete(11);
        Assert.Equal(-1, tracker.Position); // 10 still running
        tracker.Complete(10);
        Assert.Equal(12, tracker.Position);
        tracker.Complete(16);
        Assert.Equal(12, tracker.Position);
        tracker.Complete(12);
        Assert.Equal(13, tracker.Position); // next tracked is 15, still running: commit 13 (gap offsets are fine)
        tracker.Complete(15);
        Assert.Equal(17, tracker.Position);
        Assert.Equal(0, tracker.Count);
    }

    [Fact]
    public void Random_completion_order_never_passes_an_unfinished_offset()
    {
        var random = new Random(3);
        var tracker = new OffsetTracker(2);
        var offsets = Enumerable.Range(0, 2000).Select(i => (long)(i * 2)).ToList();
        foreach (var offset in offsets)
        {
            tracker.Add(offset);
        }
        var pending = new SortedSet<long>(offsets);
        foreach (var offset in offsets.OrderBy(_ => random.Next()))
        {
            tracker.Complete(offset);
            pending.Remove(offset);
            if (pending.Count > 0)
            {
                Assert.True(tracker.Position <= pending.Min, $"position {tracker.Position} passed unfinished {pending.Min}");
            }
        }
        Assert.Equal(offsets[^1] + 1, tracker.Position);
    }
}
