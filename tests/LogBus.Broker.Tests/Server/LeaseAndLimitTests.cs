using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Server;

public sealed class LeaseAndLimitTests
{
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(cts.IsCancellationRequested, $"timed out waiting until {what}");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Fetch_leases_are_released_after_the_send_and_when_the_client_disappears()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("leases", 1, ("segment.bytes", "4096")), 4);
        for (var i = 0; i < 80; i++)
        {
            await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("leases", 0, ProtocolTestData.Batch(10, first: i * 10)), 7);
        }
        var log = broker.Services.Logs.GetLog("leases", 0)!;
        var segments = log.Segments.ToList();
        Assert.True(segments.Count > 3, $"{segments.Count} segments");

        // Ordinary fetches across the segments, a long poll that re-reads, pipelined fetches...
        for (long offset = 0; offset < 800; offset += 50)
        {
            var fetched = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch("leases", 0, offset), 11);
            Assert.NotEmpty(ProtocolTestData.Records(fetched.Responses[0].Partitions[0].Records));
        }
        var ids = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await client.SendOnlyAsync(ProtocolTestData.Fetch("leases", 0, i * 30), 11));
        }
        foreach (var id in ids)
        {
            await client.ReceiveAsync<FetchResponse>(ApiKey.Fetch, 11, id);
        }
        // ...and a client that sends fetches and vanishes before reading anything.
        await using (var vanishing = await broker.ConnectAsync())
        {
            for (var i = 0; i < 20; i++)
            {
                await vanishing.SendOnlyAsync(ProtocolTestData.Fetch("leases", 0, 0, partitionMaxBytes: 64 * 1024), 11);
            }
        }
        // Deleting the topic drops the log's own references: every file must close, so no lease was kept.
        var deleted = await client.SendAsync<DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = ["leases"], TimeoutMs = 1000 }, 3);
        Assert.Equal(ErrorCode.None, deleted.Responses[0].ErrorCode);
        await WaitUntilAsync(() => segments.All(s => s.IsClosed), "every segment file is closed");
    }

    [Fact]
    public async Task Connections_beyond_the_maximum_are_refused_and_others_keep_working()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnections = 2);
        await using var first = await broker.ConnectAsync();
        await using var second = await broker.ConnectAsync();
        Assert.Equal(ErrorCode.None, (await first.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
        Assert.Equal(ErrorCode.None, (await second.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
        await using var third = await broker.ConnectAsync();
        Assert.True(await third.WaitForCloseAsync());
        Assert.Equal(ErrorCode.None, (await first.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3)).ErrorCode);
        await second.DisposeAsync();
        await WaitUntilAsync(() => broker.Broker.Server!.ConnectionCount == 1, "the closed connection is gone");
        await using var fourth = await broker.ConnectAsync();
        Assert.Equal(ErrorCode.None, (await fourth.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3)).ErrorCode);
    }
}
