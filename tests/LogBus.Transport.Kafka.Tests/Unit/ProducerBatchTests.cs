using LogBus.Protocol.Records;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Unit;

public sealed class ProducerBatchTests
{
    private static (ProducerBatch Batch, ValueTask<DeliveryResult>[] Results) Batch(int records)
    {
        var builder = new RecordBatchBuilder();
        builder.Reset();
        var batch = new ProducerBatch(new PartitionAccumulator("t", 3), builder, 0);
        var results = new ValueTask<DeliveryResult>[records];
        for (var i = 0; i < records; i++)
        {
            Assert.True(builder.TryAppend(1, "k"u8, "v"u8));
            results[i] = new ValueTask<DeliveryResult>(batch, (short)i);
        }
        return (batch, results);
    }

    [Fact]
    public async Task Each_record_gets_the_base_offset_plus_its_index_and_awaiters_resume_on_completion()
    {
        var (batch, results) = Batch(5);
        var awaited = results.Select(r => r.AsTask()).ToArray(); // registers one continuation per record
        Assert.All(awaited, t => Assert.False(t.IsCompleted));
        batch.Close();
        batch.Complete(1000);
        var delivered = await Task.WhenAll(awaited).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1000L, 1001, 1002, 1003, 1004], delivered.Select(d => d.Offset));
        Assert.All(delivered, d => Assert.Equal(("t", 3), (d.Topic, d.Partition)));
    }

    [Fact]
    public async Task A_failed_batch_faults_every_record_even_when_awaited_after_completion()
    {
        var (batch, results) = Batch(3);
        var early = results[0].AsTask();
        batch.Close();
        batch.Fail(new InvalidOperationException("boom"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => early.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("boom", error.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await results[2]);
        Assert.True(batch.WhenDone().IsCompleted);
    }

    [Fact]
    public async Task Unknown_offsets_stay_minus_one()
    {
        var (batch, results) = Batch(2);
        batch.Close();
        batch.Complete(-1);
        Assert.Equal(-1, (await results[1]).Offset);
    }

    [Fact]
    public async Task The_execution_context_of_the_awaiter_flows_to_its_continuation()
    {
        var (batch, results) = Batch(1);
        var local = new AsyncLocal<string?>();
        var seen = new TaskCompletionSource<string?>();
        local.Value = "mine";
        results[0].GetAwaiter().OnCompleted(() => seen.SetResult(local.Value));
        local.Value = null;
        batch.Close();
        batch.Complete(7);
        Assert.Equal("mine", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
