using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Server;

public sealed class ServerBasicsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ApiVersions_advertises_exactly_the_handled_apis(short version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        var response = await client.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest { ClientSoftwareName = "test", ClientSoftwareVersion = "1" }, version);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        var advertised = response.ApiKeys.ToDictionary(k => k.ApiKey);
        foreach (var key in new[] { ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.CreateTopics, ApiKey.DeleteTopics, ApiKey.DescribeConfigs, ApiKey.InitProducerId })
        {
            Assert.True(ApiVersionTable.TryGetRange(key, out var range));
            Assert.Equal(range, advertised[key]);
        }
        // Nothing without a handler is advertised (clients would send it and be disconnected).
        Assert.DoesNotContain(response.ApiKeys, k => k.ApiKey == ApiKey.OffsetForLeaderEpoch);
    }

    [Fact]
    public async Task ApiVersions_with_an_unsupported_version_is_answered_in_v0_with_error_35_and_our_ranges()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        // A future flexible ApiVersions v9: header v2, body of two compact strings and tags we need not understand.
        await client.SendRawAsync(ProtocolTestData.RawRequest((short)ApiKey.ApiVersions, 9, 77, [3, (byte)'a', (byte)'b', 2, (byte)'1', 0, 0]));
        var frame = await client.ReadFrameAsync();
        Assert.NotNull(frame);
        var response = RawKafkaClient.Decode<ApiVersionsResponse>(frame, ApiKey.ApiVersions, 0, 77);
        Assert.Equal(ErrorCode.UnsupportedVersion, response.ErrorCode);
        Assert.Contains(response.ApiKeys, k => k.ApiKey == ApiKey.ApiVersions && k.MinVersion == 0 && k.MaxVersion == 3);
        // The connection stays usable: the client retries with a version from the ranges.
        var retry = await client.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0);
        Assert.Equal(ErrorCode.None, retry.ErrorCode);
    }

    [Fact]
    public async Task Produce_and_fetch_round_trip_and_a_fetch_inside_a_batch_returns_the_whole_batch()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        var created = await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("orders", 2), 4);
        Assert.Equal(ErrorCode.None, Assert.Single(created.Topics).ErrorCode);

        var produced = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("orders", 1, ProtocolTestData.Batch(10)), 7);
        var partition = Assert.Single(Assert.Single(produced.Responses).Partitions);
        Assert.Equal(ErrorCode.None, partition.ErrorCode);
        Assert.Equal(0, partition.BaseOffset);
        produced = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("orders", 1, ProtocolTestData.Batch(5, first: 10)), 3);
        Assert.Equal(10, Assert.Single(Assert.Single(produced.Responses).Partitions).BaseOffset);

        var fetched = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch("orders", 1, offset: 4), 11);
        var p = Assert.Single(Assert.Single(fetched.Responses).Partitions);
        Assert.Equal(ErrorCode.None, p.ErrorCode);
        Assert.Equal(15, p.HighWatermark);
        Assert.Equal(15, p.LastStableOffset);
        Assert.NotNull(p.AbortedTransactions);
        Assert.Empty(p.AbortedTransactions);
        var records = ProtocolTestData.Records(p.Records);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => ((long)i, $"key-{i}", $"value-{i}")), records);

        // read_uncommitted: no aborted transaction list at all, as Kafka.
        fetched = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch("orders", 1, offset: 15, isolation: 0), 4);
        p = Assert.Single(Assert.Single(fetched.Responses).Partitions);
        Assert.Null(p.AbortedTransactions);
        Assert.Equal(0, p.Records.Length);
    }

    [Fact]
    public async Task Unknown_api_key_closes_only_that_connection()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var good = await broker.ConnectAsync();
        await using var bad = await broker.ConnectAsync();
        await bad.SendRawAsync(ProtocolTestData.RawRequest(1000, 0, 1, [1, 2, 3]));
        Assert.True(await bad.WaitForCloseAsync());
        var response = await good.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 2);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_request_order_even_when_a_long_poll_is_first()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("pipe"), 4);
        // A long poll on an empty partition, then 20 produces: the produces complete first, but their
        // responses must wait for the fetch (which they wake up: it sees the data and answers).
        var ids = new List<(int Id, ApiKey Key, short Version)>();
        ids.Add((await client.SendOnlyAsync(ProtocolTestData.Fetch("pipe", 0, 0, maxWaitMs: 20_000), 11), ApiKey.Fetch, 11));
        for (var i = 0; i < 20; i++)
        {
            ids.Add((await client.SendOnlyAsync(ProtocolTestData.Produce("pipe", 0, ProtocolTestData.Batch(3, first: i * 3), acks: 1), 7), ApiKey.Produce, 7));
        }
        var fetch = await client.ReceiveAsync<FetchResponse>(ApiKey.Fetch, 11, ids[0].Id);
        Assert.True(Assert.Single(Assert.Single(fetch.Responses).Partitions).Records.Length > 0);
        for (var i = 1; i < ids.Count; i++)
        {
            var produce = await client.ReceiveAsync<ProduceResponse>(ApiKey.Produce, 7, ids[i].Id);
            Assert.Equal((i - 1) * 3, Assert.Single(Assert.Single(produce.Responses).Partitions).BaseOffset);
        }
    }
}
