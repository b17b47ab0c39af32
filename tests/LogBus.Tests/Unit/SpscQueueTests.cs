using LogBus.Internal;

namespace LogBus.Tests.Unit;

public class SpscQueueTests
{
    private sealed record Item(int Value);

    [Fact]
    public void Capacity_bounds_the_queue()
    {
        var queue = new SpscQueue<Item>(3);
        Assert.True(queue.TryEnqueue(new Item(1)));
        Assert.True(queue.TryEnqueue(new Item(2)));
        Assert.True(queue.TryEnqueue(new Item(3)));
        Assert.False(queue.TryEnqueue(new Item(4)));
        Assert.Equal(3, queue.Count);
        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal(1, first.Value);
        Assert.True(queue.TryEnqueue(new Item(4)));
    }

    [Fact]
    public async Task A_producer_and_a_consumer_on_different_threads_see_every_item_in_order()
    {
        const int count = 200_000;
        var queue = new SpscQueue<Item>(64);
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                while (!queue.TryEnqueue(new Item(i)))
                {
                    await Task.Yield();
                }
            }
            queue.Complete();
        });
        var expected = 0;
        while (await queue.WaitToReadAsync(CancellationToken.None))
        {
            while (queue.TryDequeue(out var item))
            {
                Assert.Equal(expected++, item.Value);
            }
        }
        await producer;
        Assert.Equal(count, expected);
    }

    [Fact]
    public async Task Complete_wakes_a_waiting_consumer()
    {
        var queue = new SpscQueue<Item>(4);
        var wait = queue.WaitToReadAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        queue.Complete();
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(queue.TryEnqueue(new Item(1)));
    }
}
