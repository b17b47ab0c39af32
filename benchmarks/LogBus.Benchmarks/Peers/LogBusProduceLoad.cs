using LogBus.Benchmarks.Broker;
using LogBus.Benchmarks.Report;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// A producer with an exact batch size for the broker workload (the Kafka paper's "batch 1" and "batch
/// 50"): on one connection, one Produce request per batch of <c>batchRecords</c> records, each batch
/// encoded when it is sent (as a client does), up to a window of requests in flight. Our managed
/// producer batches by bytes and time, so it cannot be held to exactly one record per request.
/// </summary>
internal static class LogBusProduceLoad
{
    /// <summary>Creates a one-partition topic, optionally with topic configs (e.g. <c>flush.messages=1</c>).</summary>
    public static async Task CreateTopicAsync(int port, string topic, params (string Name, string Value)[] configs)
    {
        using var connection = await LoadConnection.ConnectAsync(port);
        var request = new CreateTopicsRequest
        {
            TimeoutMs = 30_000,
            Topics =
            [
                new CreateTopicsRequest.Topic
                {
                    Name = topic,
                    NumPartitions = 1,
                    ReplicationFactor = 1,
                    Configs = configs.Select(c => new CreateTopicsRequest.Config { Name = c.Name, Value = c.Value }).ToList(),
                },
            ],
        };
        await connection.SendAsync(LoadConnection.Encode(request, 4));
        var body = await connection.ReceiveAsync();
        var reader = new KafkaReader(body);
        reader.ReadInt32(); // correlation id
        var response = CreateTopicsResponse.Read(ref reader, 4);
        if (response.Topics[0].ErrorCode != ErrorCode.None)
        {
            throw new InvalidOperationException($"creating {topic}: {response.Topics[0].ErrorCode}");
        }
    }

    /// <summary>
    /// Produces <paramref name="count"/> records of <paramref name="recordBytes"/> to partition 0 of
    /// <paramref name="topic"/>, one Produce request per batch of <paramref name="batchRecords"/> records.
    /// Requests are encoded one by one into a send buffer that goes out when it holds 64 KiB or when the
    /// window of <paramref name="windowRequests"/> requests in flight is full (as a client's buffered
    /// connection coalesces pipelined requests into one socket write; the broker still reads, appends and
    /// answers every request on its own). With acks 0 nothing is answered, so the run ends when a fetch on
    /// the same connection (answered after every earlier request was handled) shows the high watermark at
    /// <paramref name="count"/>. Returns the run's seconds, profile and wire bytes per record.
    /// </summary>
    public static async Task<(double Seconds, RunProfile Profile, double BytesPerRecord)> ProduceAsync(
        int port, string topic, int count, int recordBytes, int batchRecords, short acks, int windowRequests)
    {
        const int flushBytes = 64 * 1024;
        using var connection = await LoadConnection.ConnectAsync(port);
        var value = new byte[recordBytes];
        Random.Shared.NextBytes(value);
        using var builder = new RecordBatchBuilder(batchRecords * (recordBytes + 32) + 128);
        using var send = new PooledBufferWriter(flushBytes * 2);
        var requests = (count + batchRecords - 1) / batchRecords;
        using var slots = new SemaphoreSlim(windowRequests);
        long wireBytes = 0;
        var receiver = acks == 0 ? Task.CompletedTask : Task.Run(async () =>
        {
            for (var i = 0; i < requests; i++)
            {
                LoadConnection.CheckProduce(await connection.ReceiveAsync());
                slots.Release();
            }
        });
        var header = new RequestHeader { ApiKey = ApiKey.Produce, ApiVersion = 7, ClientId = "bench" };
        var partition = new ProduceRequest.Partition { Index = 0 };
        var request = new ProduceRequest
        {
            Acks = acks,
            TimeoutMs = 30_000,
            Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [partition] }],
        };
        var meter = RunMeter.Start();
        for (var r = 0; r < requests; r++)
        {
            var n = Math.Min(batchRecords, count - (r * batchRecords));
            builder.Reset();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = 0; i < n; i++)
            {
                builder.TryAppendNullable(now, null, value);
            }
            var batch = builder.Build();
            wireBytes += batch.Length;
            if (acks != 0 && !slots.Wait(0))
            {
                // The window is full: send what is buffered, then wait for a response to free a slot.
                await FlushAsync(connection, send);
                await slots.WaitAsync();
            }
            header.CorrelationId = connection.NextCorrelationId();
            partition.Records = RecordSet.FromMemory(batch);
            FrameWriter.WriteRequest(send, header, request);
            if (send.WrittenCount >= flushBytes)
            {
                await FlushAsync(connection, send);
            }
            if (receiver.IsFaulted)
            {
                await receiver;
            }
        }
        await FlushAsync(connection, send);
        await receiver;
        var high = await HighWatermarkAsync(connection, topic);
        var (seconds, profile) = meter.Stop(count);
        if (high < count)
        {
            throw new InvalidOperationException($"{topic}: high watermark {high} after producing {count} records");
        }
        return (seconds, profile, (double)wireBytes / count);
    }

    private static async ValueTask FlushAsync(LoadConnection connection, PooledBufferWriter send)
    {
        if (send.WrittenCount > 0)
        {
            await connection.SendRawAsync(send.WrittenMemory);
            send.Clear();
        }
    }

    /// <summary>The high watermark of partition 0, from a one-byte fetch on <paramref name="connection"/>.</summary>
    public static async Task<long> HighWatermarkAsync(LoadConnection connection, string topic)
    {
        await connection.SendAsync(LoadConnection.Encode(new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 1,
            IsolationLevel = 0,
            Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { Index = 0, FetchOffset = 0, PartitionMaxBytes = 1 }] }],
        }, 11));
        return LoadConnection.CountFetch(await connection.ReceiveAsync(), 0).HighWatermark;
    }
}
