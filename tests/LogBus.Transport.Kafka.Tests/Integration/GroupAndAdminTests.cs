using System.Text;
using LogBus.Transport.Kafka.Client;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Integration;

/// <summary>Group membership and administration against our broker (with its group coordinator) in this process.</summary>
public sealed class GroupAndAdminTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private KafkaConsumerOptions Options(string group, params string[] assignors)
    {
        var options = new KafkaConsumerOptions
        {
            BootstrapServers = fixture.Bootstrap,
            GroupId = group,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            SessionTimeout = TimeSpan.FromSeconds(10),
            ClientId = "member",
        };
        if (assignors.Length > 0)
        {
            options.Assignors.Clear();
            foreach (var a in assignors)
            {
                options.Assignors.Add(a);
            }
        }
        return options;
    }

    [Theory]
    [InlineData("roundrobin")]
    [InlineData("range")]
    public async Task Two_members_split_two_topics_with_the_chosen_assignor_and_describe_shows_them(string assignor)
    {
        var a = TestClients.UniqueTopic("ga");
        var b = TestClients.UniqueTopic("gb");
        await TestClients.CreateTopicAsync(fixture.Bootstrap, a, 3);
        await TestClients.CreateTopicAsync(fixture.Bootstrap, b, 3);
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = new KafkaConsumer(Options(group, assignor));
        await using var second = new KafkaConsumer(Options(group, assignor));
        await first.SubscribeAsync([a, b], new NoListener(), CancellationToken.None);
        await second.SubscribeAsync([a, b], new NoListener(), CancellationToken.None);
        var deadline = DateTime.UtcNow + TestClients.Timeout;
        while (first.Assignment.Count + second.Assignment.Count != 6 || first.Assignment.Count == 0 || second.Assignment.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the group did not settle");
            await first.FetchAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            await second.FetchAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
        Assert.Empty(first.Assignment.Intersect(second.Assignment));
        if (assignor == "range")
        {
            // Range: per topic, contiguous ranges; the member sorted first gets the extra partition of each topic.
            Assert.Equal([2, 4], new[] { first.Assignment.Count, second.Assignment.Count }.Order());
        }
        else
        {
            Assert.Equal(3, first.Assignment.Count);
        }

        await using var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = fixture.Bootstrap });
        var described = await admin.DescribeGroupAsync(group);
        Assert.Equal(assignor, described.Protocol);
        Assert.Equal("consumer", described.ProtocolType);
        Assert.Equal(2, described.Members.Count);
        Assert.Equal(
            first.Assignment.Concat(second.Assignment).OrderBy(p => p.Topic).ThenBy(p => p.Partition),
            described.Members.SelectMany(m => m.Assignment).OrderBy(p => p.Topic).ThenBy(p => p.Partition));
        Assert.Contains(described.Members, m => m.MemberId == first.MemberId);
        Assert.Contains(await admin.ListGroupsAsync(), g => g.GroupId == group);
    }

    [Fact]
    public async Task Describe_reports_committed_offsets_and_lag_and_topics_can_be_deleted()
    {
        var topic = TestClients.UniqueTopic("lag");
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 2);
        await using (var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap }))
        {
            for (var i = 0; i < 100; i++)
            {
                await producer.ProduceAsync(new OutgoingRecord(topic, null, Encoding.UTF8.GetBytes($"v{i}"), RecordHeaders.Empty, Partition: i % 2));
            }
        }
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        await using (var consumer = new KafkaConsumer(Options(group)))
        {
            await consumer.SubscribeAsync([topic], new NoListener(), CancellationToken.None);
            var deadline = DateTime.UtcNow + TestClients.Timeout;
            while (consumer.Assignment.Count < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "not assigned");
                await consumer.FetchAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
            await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 30), new TopicPartitionOffset(topic, 1, 50)], CancellationToken.None);
            Assert.Equal(30, await consumer.GetCommittedOffsetAsync(new TopicPartition(topic, 0), CancellationToken.None));
            await Assert.ThrowsAsync<CommitFailedException>(async () => await consumer.CommitAsync([new TopicPartitionOffset(topic + "-other", 0, 1)], CancellationToken.None));
        }

        await using var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = fixture.Bootstrap });
        var described = await admin.DescribeGroupAsync(group);
        Assert.Equal(
            [new KafkaPartitionLag(new TopicPartition(topic, 0), 30, 50, 20), new KafkaPartitionLag(new TopicPartition(topic, 1), 50, 50, 0)],
            described.Offsets);
        Assert.Empty(described.Members); // the consumer left on dispose

        Assert.NotNull(await admin.DescribeTopicAsync(topic));
        await admin.DeleteTopicsAsync([topic]);
        Assert.Null(await admin.DescribeTopicAsync(topic));
    }

    private sealed class NoListener : IPartitionAssignmentListener
    {
        public ValueTask OnPartitionsAssignedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
