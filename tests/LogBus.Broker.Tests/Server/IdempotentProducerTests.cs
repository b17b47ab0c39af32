using LogBus.Broker.Producers;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Server;

public sealed class IdempotentProducerTests
{
    private static async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(RawKafkaClient client, string topic, long producerId, short epoch, int sequence, int count, int first)
    {
        var response = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce(topic, 0, ProtocolTestData.Batch(count, first, producerId, epoch, sequence)), 7);
        var p = response.Responses[0].Partitions[0];
        return (p.ErrorCode, p.BaseOffset);
    }

    private static async Task<long> InitProducerIdAsync(RawKafkaClient client)
    {
        var response = await client.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionTimeoutMs = 60_000 }, 1);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        Assert.Equal(0, response.ProducerEpoch);
        return response.ProducerId;
    }

    private static async Task<long> HighWatermarkAsync(RawKafkaClient client, string topic)
    {
        var response = await client.SendAsync<ListOffsetsResponse>(new ListOffsetsRequest { Topics = [new ListOffsetsRequest.Topic { Name = topic, Partitions = [new ListOffsetsRequest.Partition { PartitionIndex = 0, Timestamp = -1 }] }] }, 5);
        return response.Topics[0].Partitions[0].Offset;
    }

    [Fact]
    public async Task Producer_ids_are_unique_and_never_repeat_after_a_restart()
    {
        await using var broker = await TestBroker.StartAsync();
        var ids = new List<long>();
        await using (var client = await broker.ConnectAsync())
        {
            for (var i = 0; i < 5; i++)
            {
                ids.Add(await InitProducerIdAsync(client));
            }
        }
        Assert.Equal(5, ids.Distinct().Count());
        await broker.RestartAsync();
        await using (var client = await broker.ConnectAsync())
        {
            var after = await InitProducerIdAsync(client);
            Assert.True(after > ids.Max(), $"id {after} after restart repeats the range up to {ids.Max()}");
            Assert.Equal(ProducerIdAllocator.BlockSize, after); // the rest of the persisted block is skipped
        }
    }

    [Fact]
    public async Task Duplicates_gaps_unknown_producers_and_fenced_epochs_are_answered_as_kafka_does()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("idem"), 4);
        var pid = await InitProducerIdAsync(client);

        Assert.Equal((ErrorCode.None, 0L), await ProduceAsync(client, "idem", pid, 0, sequence: 0, count: 5, first: 0));
        Assert.Equal((ErrorCode.None, 5L), await ProduceAsync(client, "idem", pid, 0, sequence: 5, count: 5, first: 5));
        // A retried batch: success with its original offset, nothing appended.
        Assert.Equal((ErrorCode.None, 0L), await ProduceAsync(client, "idem", pid, 0, sequence: 0, count: 5, first: 0));
        Assert.Equal((ErrorCode.None, 5L), await ProduceAsync(client, "idem", pid, 0, sequence: 5, count: 5, first: 5));
        Assert.Equal(10, await HighWatermarkAsync(client, "idem"));
        // A gap, and a step back that is not one of the cached batches: 45, nothing appended.
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, (await ProduceAsync(client, "idem", pid, 0, sequence: 11, count: 1, first: 10)).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, (await ProduceAsync(client, "idem", pid, 0, sequence: 3, count: 2, first: 10)).Error);
        Assert.Equal(10, await HighWatermarkAsync(client, "idem"));
        // An unknown producer that does not start at 0: 59.
        Assert.Equal(ErrorCode.UnknownProducerId, (await ProduceAsync(client, "idem", pid + 1000, 0, sequence: 7, count: 1, first: 10)).Error);
        // Epoch bump restarts at sequence 0; a bumped epoch not at 0 is out of order; the old epoch is fenced.
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, (await ProduceAsync(client, "idem", pid, 1, sequence: 10, count: 1, first: 10)).Error);
        Assert.Equal((ErrorCode.None, 10L), await ProduceAsync(client, "idem", pid, 1, sequence: 0, count: 2, first: 10));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, (await ProduceAsync(client, "idem", pid, 0, sequence: 10, count: 1, first: 12)).Error);
        Assert.Equal((ErrorCode.None, 12L), await ProduceAsync(client, "idem", pid, 1, sequence: 2, count: 1, first: 12));
        // Only the last five batches are remembered: the first batch of epoch 1 is still a duplicate.
        Assert.Equal((ErrorCode.None, 10L), await ProduceAsync(client, "idem", pid, 1, sequence: 0, count: 2, first: 10));
        Assert.Equal(13, await HighWatermarkAsync(client, "idem"));
    }

    [Fact]
    public void Sequences_wrap_past_int_max_to_zero()
    {
        Assert.Equal(1, PartitionProducerState.LastSequence(int.MaxValue - 1, 3));
        Assert.Equal(int.MaxValue, PartitionProducerState.LastSequence(int.MaxValue - 2, 2));
        Assert.Equal(9, PartitionProducerState.LastSequence(5, 4));

        var state = new PartitionProducerState(null!, Guid.NewGuid());
        lock (state.Lock)
        {
            state.Update(new RecordBatchHeader { ProducerId = 7, ProducerEpoch = 0, BaseSequence = int.MaxValue - 1, LastOffsetDelta = 1, BaseOffset = 100 }, 0);
            Assert.Equal(SequenceCheck.OutOfOrderSequence, state.Check(new RecordBatchHeader { ProducerId = 7, ProducerEpoch = 0, BaseSequence = 1, LastOffsetDelta = 0 }, out _));
            Assert.Equal(SequenceCheck.Accept, state.Check(new RecordBatchHeader { ProducerId = 7, ProducerEpoch = 0, BaseSequence = 0, LastOffsetDelta = 4 }, out _));
            Assert.Equal(SequenceCheck.Duplicate, state.Check(new RecordBatchHeader { ProducerId = 7, ProducerEpoch = 0, BaseSequence = int.MaxValue - 1, LastOffsetDelta = 1 }, out var duplicate));
            Assert.Equal(100, duplicate.FirstOffset);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deduplication_survives_a_restart_with_or_without_the_snapshot(bool deleteSnapshots)
    {
        await using var broker = await TestBroker.StartAsync();
        long pid;
        await using (var client = await broker.ConnectAsync())
        {
            await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("durable"), 4);
            pid = await InitProducerIdAsync(client);
            for (var b = 0; b < 7; b++)
            {
                Assert.Equal((ErrorCode.None, b * 4L), await ProduceAsync(client, "durable", pid, 0, sequence: b * 3, count: 3, first: b * 3));
                // Non-idempotent appends in between must not confuse the replay.
                Assert.Equal(ErrorCode.None, (await ProduceAsync(client, "durable", -1, -1, -1, 1, 100 + b)).Error);
            }
        }
        var snapshotDirectory = Path.Combine(broker.Options.DataDirectory, ProducerStateManager.DirectoryName);
        await broker.Broker.StopAsync();
        Assert.True(File.Exists(Path.Combine(snapshotDirectory, "durable-0.snapshot")));
        if (deleteSnapshots)
        {
            Directory.Delete(snapshotDirectory, recursive: true); // state must be rebuilt from the log alone
        }
        await broker.RestartAsync();
        await using (var client = await broker.ConnectAsync())
        {
            // The last batch (sequence 18-20, appended at offset 24) is a duplicate; the next one continues.
            Assert.Equal((ErrorCode.None, 24L), await ProduceAsync(client, "durable", pid, 0, sequence: 18, count: 3, first: 18));
            Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, (await ProduceAsync(client, "durable", pid, 0, sequence: 22, count: 1, first: 22)).Error);
            Assert.Equal((ErrorCode.None, 28L), await ProduceAsync(client, "durable", pid, 0, sequence: 21, count: 1, first: 21));
        }
    }

    [Fact]
    public async Task A_stale_snapshot_is_completed_from_the_log_tail()
    {
        await using var broker = await TestBroker.StartAsync();
        long pid;
        var snapshot = Path.Combine(broker.Options.DataDirectory, ProducerStateManager.DirectoryName, "tail-0.snapshot");
        byte[] stale;
        await using (var client = await broker.ConnectAsync())
        {
            await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("tail"), 4);
            pid = await InitProducerIdAsync(client);
            Assert.Equal((ErrorCode.None, 0L), await ProduceAsync(client, "tail", pid, 0, 0, 2, 0));
            broker.Services.Producers.SnapshotAll(onlyDirty: true);
            stale = await File.ReadAllBytesAsync(snapshot);
            Assert.Equal((ErrorCode.None, 2L), await ProduceAsync(client, "tail", pid, 0, 2, 2, 2));
            Assert.Equal((ErrorCode.None, 4L), await ProduceAsync(client, "tail", pid, 0, 4, 2, 4));
        }
        await broker.Broker.StopAsync();
        await File.WriteAllBytesAsync(snapshot, stale); // as if the process died after the periodic snapshot
        await broker.RestartAsync();
        await using (var client = await broker.ConnectAsync())
        {
            Assert.Equal((ErrorCode.None, 4L), await ProduceAsync(client, "tail", pid, 0, 4, 2, 4));
            Assert.Equal((ErrorCode.None, 6L), await ProduceAsync(client, "tail", pid, 0, 6, 2, 6));
        }
    }
}
