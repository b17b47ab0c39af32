using System.Buffers.Binary;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Server;

/// <summary>Malformed input closes (or is answered on) the offending connection only; acknowledged data and other connections are untouched.</summary>
public sealed class BadInputTests
{
    private static byte[] Frame(params byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private static byte[] SizePrefix(int size)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, size);
        return prefix;
    }

    public static TheoryData<string, byte[]> ClosingInputs()
    {
        var data = new TheoryData<string, byte[]>
        {
            { "negative frame size", SizePrefix(-1) },
            { "frame larger than the maximum", [.. SizePrefix(64 * 1024 + 1), .. new byte[100]] },
            { "header shorter than its fixed part", Frame(0, 3, 0) },
            { "unknown api key", ProtocolTestData.RawRequest(999, 0, 1, []) },
            { "unsupported produce version", ProtocolTestData.RawRequest((short)ApiKey.Produce, 99, 1, new byte[32]) },
            { "metadata with a negative topic count", ProtocolTestData.RawRequest((short)ApiKey.Metadata, 0, 1, [0xFF, 0xFF, 0xFF, 0xFB]) },
            { "metadata claiming two billion topics", ProtocolTestData.RawRequest((short)ApiKey.Metadata, 1, 1, [0x7F, 0xFF, 0xFF, 0xFF, 0, 1, (byte)'a']) },
            { "produce body cut short", ProtocolTestData.RawRequest((short)ApiKey.Produce, 7, 1, [0xFF, 0xFF, 0, 1, 0, 0]) },
            { "client id longer than the frame", [.. SizePrefix(12), 0, 18, 0, 0, 0, 0, 0, 1, 0x7F, 0xFF, 1, 2] },
        };
        var random = new Random(42);
        var garbage = new byte[200];
        random.NextBytes(garbage);
        garbage[0] = 0x7F; // a huge size
        data.Add("random bytes", garbage);
        return data;
    }

    [Theory]
    [MemberData(nameof(ClosingInputs))]
    public async Task Bad_input_closes_only_the_offending_connection(string what, byte[] input)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxRequestSize = 64 * 1024);
        await using var good = await broker.ConnectAsync();
        await good.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("safe"), 4);
        var acked = await good.SendAsync<ProduceResponse>(ProtocolTestData.Produce("safe", 0, ProtocolTestData.Batch(50)), 7);
        Assert.Equal(ErrorCode.None, acked.Responses[0].Partitions[0].ErrorCode);

        await using var bad = await broker.ConnectAsync();
        // A valid request first: its response must still arrive before the connection closes.
        var id = await bad.SendOnlyAsync(new ApiVersionsRequest(), 0);
        await bad.SendRawAsync(input);
        var first = await bad.ReadFrameAsync();
        Assert.NotNull(first);
        Assert.Equal(ErrorCode.None, RawKafkaClient.Decode<ApiVersionsResponse>(first, ApiKey.ApiVersions, 0, id).ErrorCode);
        Assert.True(await bad.WaitForCloseAsync(), $"{what}: the connection was not closed");

        // The broker still serves the other connection, and the acknowledged records are intact.
        var fetched = await good.SendAsync<FetchResponse>(ProtocolTestData.Fetch("safe", 0, 0), 11);
        var records = ProtocolTestData.Records(fetched.Responses[0].Partitions[0].Records);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => ((long)i, $"key-{i}", $"value-{i}")), records);
        await using var fresh = await broker.ConnectAsync();
        Assert.Equal(ErrorCode.None, (await fresh.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3)).ErrorCode);
    }

    [Fact]
    public async Task Produce_errors_are_reported_per_partition()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("errs", 1, ("max.message.bytes", "2000")), 4);
        var good = ProtocolTestData.Batch(3);
        var corrupt = ProtocolTestData.Batch(3);
        corrupt[^1] ^= 0xFF; // CRC mismatch
        var large = ProtocolTestData.Batch(200);
        var two = good.Concat(ProtocolTestData.Batch(2)).ToArray();
        var request = new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 1000,
            Topics =
            [
                new ProduceRequest.Topic
                {
                    Name = "errs",
                    Partitions =
                    [
                        new ProduceRequest.Partition { Index = 0, Records = LogBus.Protocol.Records.RecordSet.FromMemory(corrupt) },
                        new ProduceRequest.Partition { Index = 7, Records = LogBus.Protocol.Records.RecordSet.FromMemory(good) },
                    ],
                },
                new ProduceRequest.Topic { Name = "nope", Partitions = [new ProduceRequest.Partition { Index = 0, Records = LogBus.Protocol.Records.RecordSet.FromMemory(good) }] },
            ],
        };
        var response = await client.SendAsync<ProduceResponse>(request, 7);
        Assert.Equal(ErrorCode.CorruptMessage, response.Responses[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, response.Responses[0].Partitions[1].ErrorCode);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, response.Responses[1].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.MessageTooLarge, (await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("errs", 0, large), 7)).Responses[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.InvalidRecord, (await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("errs", 0, two), 7)).Responses[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.InvalidRequiredAcks, (await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("errs", 0, good, acks: 2), 7)).Responses[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.InvalidTopicException, (await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("__consumer_offsets", 0, good), 7)).Responses[0].Partitions[0].ErrorCode);
        // Nothing of the refused sets was appended; a good batch still is.
        Assert.Equal(0, (await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("errs", 0, good), 7)).Responses[0].Partitions[0].BaseOffset);
    }

    [Fact]
    public async Task A_full_connection_stops_being_read_until_its_responses_drain()
    {
        const int limit = 64 * 1024;
        await using var broker = await TestBroker.StartAsync(o => o.MaxInFlightBytesPerConnection = limit);
        await using var admin = await broker.ConnectAsync();
        await admin.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("idle"), 4);
        await admin.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("busy"), 4);
        var log = broker.Services.Logs.GetLog("busy", 0)!;

        await using var client = await broker.ConnectAsync();
        // A long poll at the head of the queue holds every later response back...
        var fetchId = await client.SendOnlyAsync(ProtocolTestData.Fetch("idle", 0, 0, maxWaitMs: 60_000), 11);
        var big = new byte[16 * 1024 - 200];
        var produceIds = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            var records = ProtocolTestData.Batch(1, first: i);
            var request = ProtocolTestData.Produce("busy", 0, records, acks: 1);
            request.Topics[0].Partitions.Add(new ProduceRequest.Partition { Index = 5, Records = LogBus.Protocol.Records.RecordSet.FromMemory(big) }); // padding: unknown partition
            produceIds.Add(await client.SendOnlyAsync(request, 7));
        }
        // ...so after about limit / 16 KiB requests the broker stops reading the socket.
        var connection = broker.Broker.Server!.Connections.MaxBy(c => c.Id)!; // the newest: ours
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (connection.BackpressureWaits == 0)
            {
                await Task.Delay(10, cts.Token);
            }
        }
        Assert.InRange(connection.InFlightBytes, 1, limit);
        var admitted = log.HighWatermark;
        Assert.InRange(admitted, 1, 4); // three full requests fit next to the fetch, the fourth was dispatched and waits to be queued at most
        // Wake the long poll: the queue drains and the rest is read and appended.
        await admin.SendAsync<ProduceResponse>(ProtocolTestData.Produce("idle", 0, ProtocolTestData.Batch(1)), 7);
        var fetch = await client.ReceiveAsync<FetchResponse>(ApiKey.Fetch, 11, fetchId);
        Assert.Equal(1, fetch.Responses[0].Partitions[0].HighWatermark);
        foreach (var id in produceIds)
        {
            var produce = await client.ReceiveAsync<ProduceResponse>(ApiKey.Produce, 7, id);
            Assert.Equal(ErrorCode.None, produce.Responses[0].Partitions[0].ErrorCode);
        }
        Assert.Equal(20, log.HighWatermark);
    }
}
