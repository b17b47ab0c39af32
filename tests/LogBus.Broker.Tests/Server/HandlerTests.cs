using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Server;

public sealed class HandlerTests
{
    [Fact]
    public async Task Metadata_auto_creates_topics_only_when_allowed()
    {
        await using var broker = await TestBroker.StartAsync(o => o.DefaultPartitions = 3);
        await using var client = await broker.ConnectAsync();
        var created = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["auto"], AllowAutoTopicCreation = true }, 8);
        Assert.Equal(0, Assert.Single(created.Brokers).NodeId);
        Assert.Equal(broker.Port, created.Brokers[0].Port);
        Assert.Equal(0, created.ControllerId);
        Assert.False(string.IsNullOrEmpty(created.ClusterId));
        var topic = Assert.Single(created.Topics);
        Assert.Equal(ErrorCode.None, topic.ErrorCode);
        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.PartitionIndex));
        Assert.All(topic.Partitions, p => Assert.Equal((0, 0, 0), (p.LeaderId, Assert.Single(p.ReplicaNodes), Assert.Single(p.IsrNodes))));

        var refused = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["not-created"], AllowAutoTopicCreation = false }, 8);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Assert.Single(refused.Topics).ErrorCode);
        var invalid = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["bad/name"] }, 4);
        Assert.Equal(ErrorCode.InvalidTopicException, Assert.Single(invalid.Topics).ErrorCode);

        // v0: an empty list means all topics; v1+: null means all, empty means none. The group
        // coordinator's __consumer_offsets is listed as internal.
        Assert.Equal(["auto"], (await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [] }, 0)).Topics.Select(t => t.Name).Where(n => !n.StartsWith("__", StringComparison.Ordinal)));
        var all = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = null }, 1);
        Assert.Equal(["auto"], all.Topics.Where(t => !t.IsInternal).Select(t => t.Name));
        Assert.All(all.Topics.Where(t => t.IsInternal), t => Assert.Equal("__consumer_offsets", t.Name));
        Assert.Empty((await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [] }, 1)).Topics);
        Assert.Equal(2, (await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["auto", "v0-created"] }, 0)).Topics.Count(t => t.ErrorCode == ErrorCode.None));
    }

    [Fact]
    public async Task Metadata_never_creates_topics_when_the_broker_disallows_it()
    {
        await using var broker = await TestBroker.StartAsync(o => o.AutoCreateTopics = false);
        await using var client = await broker.ConnectAsync();
        var response = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = ["x"], AllowAutoTopicCreation = true }, 8);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Assert.Single(response.Topics).ErrorCode);
        Assert.Null(broker.Services.Logs.GetTopic("x"));
    }

    [Fact]
    public async Task CreateTopics_validates_like_kafka_and_applies_configs()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        var request = new CreateTopicsRequest
        {
            Topics =
            [
                new CreateTopicsRequest.Topic { Name = "ok", NumPartitions = 2, ReplicationFactor = 1, Configs = [new CreateTopicsRequest.Config { Name = "retention.ms", Value = "60000" }, new CreateTopicsRequest.Config { Name = "flush.messages", Value = "1" }] },
                new CreateTopicsRequest.Topic { Name = "defaults", NumPartitions = -1, ReplicationFactor = -1 },
                new CreateTopicsRequest.Topic { Name = "rf3", NumPartitions = 1, ReplicationFactor = 3 },
                new CreateTopicsRequest.Topic { Name = "zero", NumPartitions = 0, ReplicationFactor = 1 },
                new CreateTopicsRequest.Topic { Name = "bad config", NumPartitions = 1, ReplicationFactor = 1 },
                new CreateTopicsRequest.Topic { Name = "unknown-config", NumPartitions = 1, ReplicationFactor = 1, Configs = [new CreateTopicsRequest.Config { Name = "no.such.config", Value = "1" }] },
                new CreateTopicsRequest.Topic { Name = "assigned", Assignments = [new CreateTopicsRequest.Assignment { PartitionIndex = 0, BrokerIds = [0] }, new CreateTopicsRequest.Assignment { PartitionIndex = 1, BrokerIds = [0] }] },
                new CreateTopicsRequest.Topic { Name = "assigned-elsewhere", Assignments = [new CreateTopicsRequest.Assignment { PartitionIndex = 0, BrokerIds = [5] }] },
            ],
            TimeoutMs = 1000,
        };
        var response = await client.SendAsync<CreateTopicsResponse>(request, 4);
        var errors = response.Topics.ToDictionary(t => t.Name, t => t.ErrorCode);
        Assert.Equal(ErrorCode.None, errors["ok"]);
        Assert.Equal(ErrorCode.None, errors["defaults"]);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, errors["rf3"]);
        Assert.Equal(ErrorCode.InvalidPartitions, errors["zero"]);
        Assert.Equal(ErrorCode.InvalidTopicException, errors["bad config"]);
        Assert.Equal(ErrorCode.InvalidConfig, errors["unknown-config"]);
        Assert.Equal(ErrorCode.None, errors["assigned"]);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, errors["assigned-elsewhere"]);
        Assert.NotNull(response.Topics.Single(t => t.Name == "unknown-config").ErrorMessage);

        var ok = broker.Services.Logs.GetTopic("ok")!;
        Assert.Equal(2, ok.Partitions);
        Assert.Equal(60000, ok.Config.RetentionMs);
        Assert.True(ok.Config.FlushOnEveryAppend);
        Assert.Equal(1, broker.Services.Logs.GetTopic("defaults")!.Partitions);
        Assert.Equal(2, broker.Services.Logs.GetTopic("assigned")!.Partitions);

        var again = await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("ok"), 1);
        Assert.Equal(ErrorCode.TopicAlreadyExists, Assert.Single(again.Topics).ErrorCode);
        var validateOnly = await client.SendAsync<CreateTopicsResponse>(new CreateTopicsRequest { ValidateOnly = true, Topics = [new CreateTopicsRequest.Topic { Name = "dry", NumPartitions = 1, ReplicationFactor = 1 }] }, 4);
        Assert.Equal(ErrorCode.None, Assert.Single(validateOnly.Topics).ErrorCode);
        Assert.Null(broker.Services.Logs.GetTopic("dry"));
    }

    [Fact]
    public async Task DescribeConfigs_reports_topic_and_broker_configs_and_DeleteTopics_removes_topics()
    {
        await using var broker = await TestBroker.StartAsync(o => o.DefaultPartitions = 2);
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("described", 1, ("retention.bytes", "1048576")), 4);
        var response = await client.SendAsync<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources =
            [
                new DescribeConfigsRequest.Resource { ResourceType = 2, ResourceName = "described" },
                new DescribeConfigsRequest.Resource { ResourceType = 2, ResourceName = "described", ConfigurationKeys = ["segment.bytes"] },
                new DescribeConfigsRequest.Resource { ResourceType = 2, ResourceName = "missing" },
                new DescribeConfigsRequest.Resource { ResourceType = 4, ResourceName = "0" },
                new DescribeConfigsRequest.Resource { ResourceType = 9, ResourceName = "?" },
            ],
        }, 1);
        var all = response.Results[0].Configs.ToDictionary(c => c.Name);
        Assert.Equal("1048576", all["retention.bytes"].Value);
        Assert.Equal(1, all["retention.bytes"].ConfigSource); // set on the topic
        Assert.Equal("604800000", all["retention.ms"].Value);
        Assert.Equal(5, all["retention.ms"].ConfigSource); // default
        Assert.Equal("delete", all["cleanup.policy"].Value);
        Assert.Equal(["segment.bytes"], response.Results[1].Configs.Select(c => c.Name));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, response.Results[2].ErrorCode);
        var brokerConfigs = response.Results[3].Configs.ToDictionary(c => c.Name, c => c.Value);
        Assert.Equal("2", brokerConfigs["num.partitions"]);
        Assert.Equal("true", brokerConfigs["auto.create.topics.enable"]);
        Assert.Equal(ErrorCode.InvalidRequest, response.Results[4].ErrorCode);

        var deleted = await client.SendAsync<DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = ["described", "missing"], TimeoutMs = 1000 }, 3);
        Assert.Equal(ErrorCode.None, deleted.Responses.Single(r => r.Name == "described").ErrorCode);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, deleted.Responses.Single(r => r.Name == "missing").ErrorCode);
        Assert.Null(broker.Services.Logs.GetTopic("described"));
        var produce = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("described", 0, ProtocolTestData.Batch(1)), 7);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, produce.Responses[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task ListOffsets_answers_earliest_latest_and_by_timestamp()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("times"), 4);
        // Two batches: records at t, t+1, ..., t+9 and t+100 ... t+104.
        await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("times", 0, ProtocolTestData.Batch(10, timestamp: 1000)), 7);
        await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("times", 0, ProtocolTestData.Batch(5, first: 10, timestamp: 1100)), 7);
        async Task<(ErrorCode, long, long)> Query(long timestamp, short version = 5, int partition = 0)
        {
            var r = await client.SendAsync<ListOffsetsResponse>(new ListOffsetsRequest { Topics = [new ListOffsetsRequest.Topic { Name = "times", Partitions = [new ListOffsetsRequest.Partition { PartitionIndex = partition, Timestamp = timestamp }] }] }, version);
            var p = r.Topics[0].Partitions[0];
            return (p.ErrorCode, p.Offset, p.Timestamp);
        }
        Assert.Equal((ErrorCode.None, 0L, -1L), await Query(-2));
        Assert.Equal((ErrorCode.None, 15L, -1L), await Query(-1, 1));
        Assert.Equal((ErrorCode.None, 0L, 1000L), await Query(0));
        Assert.Equal((ErrorCode.None, 4L, 1004L), await Query(1004));
        Assert.Equal((ErrorCode.None, 10L, 1100L), await Query(1010));
        Assert.Equal((ErrorCode.None, 13L, 1103L), await Query(1103, 2));
        Assert.Equal((ErrorCode.None, -1L, -1L), await Query(5000));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, (await Query(-1, 5, partition: 3)).Item1);
    }

    [Fact]
    public async Task Fetch_respects_partition_and_response_limits_and_reports_out_of_range()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("limits", 2), 4);
        var batch = ProtocolTestData.Batch(10);
        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("limits", 0, batch.ToArray()), 7);
            await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("limits", 1, batch.ToArray()), 7);
        }
        FetchRequest Request(int partitionMaxBytes, int maxBytes, long offset = 0) => new()
        {
            MaxBytes = maxBytes,
            IsolationLevel = 1,
            Topics = [new FetchRequest.Topic { Name = "limits", Partitions = [new FetchRequest.Partition { Index = 0, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }, new FetchRequest.Partition { Index = 1, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }] }],
        };
        // Partition limit of two and a half batches: two whole batches per partition.
        var limited = await client.SendAsync<FetchResponse>(Request(batch.Length * 5 / 2, 1 << 20), 11);
        Assert.All(limited.Responses[0].Partitions, p => Assert.Equal(2 * batch.Length, p.Records.Length));
        // Response limit of three batches: two for the first partition, one for the second.
        var capped = await client.SendAsync<FetchResponse>(Request(1 << 20, batch.Length * 3), 11);
        Assert.Equal(3 * batch.Length, capped.Responses[0].Partitions.Sum(p => p.Records.Length));
        // Limits below one batch: the first partition still gets its first whole batch, the second nothing.
        var tiny = await client.SendAsync<FetchResponse>(Request(10, 10), 11);
        Assert.Equal(batch.Length, tiny.Responses[0].Partitions[0].Records.Length);
        Assert.Equal(0, tiny.Responses[0].Partitions[1].Records.Length);
        var outOfRange = await client.SendAsync<FetchResponse>(Request(1 << 20, 1 << 20, offset: 51), 11);
        Assert.All(outOfRange.Responses[0].Partitions, p => Assert.Equal((ErrorCode.OffsetOutOfRange, 50L, 0L), (p.ErrorCode, p.HighWatermark, p.LogStartOffset)));
    }

    [Fact]
    public async Task A_long_poll_answers_when_data_arrives_or_when_max_wait_passes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await using var producer = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("poll", 2), 4);

        var timer = System.Diagnostics.Stopwatch.StartNew();
        var empty = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch("poll", 0, 0, maxWaitMs: 300), 11);
        Assert.True(timer.ElapsedMilliseconds >= 250, $"answered after {timer.ElapsedMilliseconds} ms, before MaxWait");
        Assert.Equal(0, empty.Responses[0].Partitions[0].Records.Length);

        // A poll over both partitions wakes on data in either.
        var request = ProtocolTestData.Fetch("poll", 0, 0, maxWaitMs: 60_000);
        request.Topics[0].Partitions.Add(new FetchRequest.Partition { Index = 1, FetchOffset = 0, PartitionMaxBytes = 1 << 20 });
        var id = await client.SendOnlyAsync(request, 11);
        await producer.SendAsync<ProduceResponse>(ProtocolTestData.Produce("poll", 1, ProtocolTestData.Batch(2)), 7);
        var woken = await client.ReceiveAsync<FetchResponse>(ApiKey.Fetch, 11, id);
        Assert.Equal(0, woken.Responses[0].Partitions[0].Records.Length);
        Assert.Equal(2, ProtocolTestData.Records(woken.Responses[0].Partitions[1].Records).Count);

        // MinBytes larger than what arrives keeps waiting until enough is there.
        var batch = ProtocolTestData.Batch(2);
        id = await client.SendOnlyAsync(ProtocolTestData.Fetch("poll", 0, 0, maxWaitMs: 60_000, minBytes: batch.Length * 2 + 1), 11);
        for (var i = 0; i < 3; i++)
        {
            await producer.SendAsync<ProduceResponse>(ProtocolTestData.Produce("poll", 0, ProtocolTestData.Batch(2, first: i * 2)), 7);
        }
        var enough = await client.ReceiveAsync<FetchResponse>(ApiKey.Fetch, 11, id);
        Assert.Equal(6, ProtocolTestData.Records(enough.Responses[0].Partitions[0].Records).Count);
    }

    [Fact]
    public async Task Stopping_the_broker_answers_a_pending_long_poll_and_writes_the_clean_shutdown_marker()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("stop"), 4);
        var id = await client.SendOnlyAsync(ProtocolTestData.Fetch("stop", 0, 0, maxWaitMs: 120_000), 11);
        // Stop only once the broker has read the fetch (a request still in the socket is never read after stop begins).
        var connection = broker.Broker.Server!.Connections.Single();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (connection.InFlightBytes == 0)
            {
                await Task.Delay(5, cts.Token);
            }
        }
        var stopping = broker.Broker.StopAsync();
        var response = await client.ReceiveAsync<FetchResponse>(ApiKey.Fetch, 11, id);
        Assert.Equal(ErrorCode.None, response.Responses[0].Partitions[0].ErrorCode);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(File.Exists(Path.Combine(broker.Options.DataDirectory, ".clean-shutdown")));
        Assert.True(await client.WaitForCloseAsync());
    }
}
