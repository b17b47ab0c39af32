using System.Text;
using LogBus.Transport;

namespace LogBus.Transport.Compliance;

/// <summary>
/// The transport compliance suite: the behaviour every LogBus transport must show, through the public
/// bus API and through the transport contract. A transport's test project runs it with one line:
/// <c>public sealed class InMemoryCompliance : TransportCompliance&lt;InMemoryFixture&gt;;</c>
/// </summary>
/// <typeparam name="TFixture">Provides the transport; shared by the tests of the class.</typeparam>
public abstract class TransportCompliance<TFixture> : IClassFixture<TFixture> where TFixture : class, ITransportFixture
{
    /// <summary>Bounds every wait of the suite.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Creates the suite over a fixture.</summary>
    protected TransportCompliance(TFixture fixture) => Fixture = fixture;

    /// <summary>The transport under test.</summary>
    protected TFixture Fixture { get; }

    /// <summary>The topic the suite's orders go to (unique per test).</summary>
    protected string Topic => _prefix + "-orders";

    /// <summary>Starts a bus on the fixture's log with the order mapping and the given consumers.</summary>
    protected Task<BusHost> StartBusAsync(Probe probe, string instance, Action<LogBusBuilder>? consumers = null, int partitions = 8) =>
        BusHost.StartAsync(
            bus =>
            {
                bus.ServiceName = _prefix;
                bus.Message<ComplianceOrder>(m => m.Topic(Topic).Key(o => o.Key).Partitions(partitions));
                consumers?.Invoke(bus);
                Fixture.Configure(bus);
            },
            services => services.AddComplianceProbe(probe, instance));

    private static List<ComplianceOrder> Orders(int keys, int perKey, int failTimes = 0) =>
        Enumerable.Range(0, perKey).SelectMany(seq => Enumerable.Range(0, keys).Select(k => new ComplianceOrder($"key-{k}", seq, failTimes))).ToList();

    [Fact]
    public async Task Keyed_messages_reach_the_consumer_once_each_and_in_per_key_order()
    {
        var probe = new Probe();
        await using var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>());
        var orders = Orders(keys: 50, perKey: 40);
        await host.PublishAsync(orders);
        await probe.WaitForCountAsync(orders.Count, Timeout);
        await host.Harness.WaitForIdle(Timeout);

        var handled = probe.Handled.ToList();
        Assert.Equal(orders.Count, handled.Count);
        Assert.Equal(orders.Count, handled.Select(h => h.MessageId).Distinct().Count());
        foreach (var key in handled.GroupBy(h => h.Key))
        {
            Assert.Equal(Enumerable.Range(0, 40), key.Select(h => h.Sequence));
            Assert.Single(key.Select(h => h.Partition).Distinct()); // one key, one partition
        }
        Assert.True(handled.Select(h => h.Partition).Distinct().Count() > 1, "keys spread over several partitions");
    }

    [Fact]
    public async Task Key_concurrency_keeps_per_key_order()
    {
        var probe = new Probe();
        await using var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>(c => c.Concurrency = 8), partitions: 2);
        var orders = Orders(keys: 30, perKey: 30);
        await host.PublishAsync(orders);
        await probe.WaitForCountAsync(orders.Count, Timeout);
        foreach (var key in probe.Handled.GroupBy(h => h.Key))
        {
            Assert.Equal(Enumerable.Range(0, 30), key.Select(h => h.Sequence));
        }
    }

    [Fact]
    public async Task Members_of_one_group_share_the_partitions_and_each_message_is_handled_once()
    {
        var probe = new Probe();
        await using var first = await StartBusAsync(probe, "first", bus => bus.AddConsumer<OrderConsumer>());
        await using var second = await StartBusAsync(probe, "second", bus => bus.AddConsumer<OrderConsumer>());
        // Wait until both members hold partitions: a first batch must land on both instances.
        var warmup = Orders(keys: 64, perKey: 1);
        await first.PublishAsync(warmup);
        await probe.WaitForCountAsync(warmup.Count, Timeout);
        var orders = Orders(keys: 64, perKey: 10).Select(o => o with { Sequence = o.Sequence + 1 }).ToList();
        await first.PublishAsync(orders);
        await probe.WaitForCountAsync(warmup.Count + orders.Count, Timeout);

        var handled = probe.Handled.ToList();
        var all = warmup.Count + orders.Count;
        Assert.Equal(all, handled.Select(h => h.MessageId).Distinct().Count());
        // After the rebalance settles, each partition is handled by one instance.
        var late = handled.Where(h => h.Sequence >= 5).ToList();
        foreach (var partition in late.GroupBy(h => h.Partition))
        {
            Assert.Single(partition.Select(h => h.Instance).Distinct());
        }
        Assert.Equal(2, late.Select(h => h.Instance).Distinct().Count());
        foreach (var key in handled.GroupBy(h => h.Key))
        {
            var sequences = key.Select(h => h.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
        }
    }

    [Fact]
    public async Task A_restarted_group_resumes_from_its_committed_offsets()
    {
        var probe = new Probe();
        var firstBatch = Orders(keys: 20, perKey: 5);
        await using (var host = await StartBusAsync(probe, "run-1", bus => bus.AddConsumer<OrderConsumer>()))
        {
            await host.PublishAsync(firstBatch);
            await probe.WaitForCountAsync(firstBatch.Count, Timeout);
            await host.Harness.WaitForIdle(Timeout);
        } // stop: drain and commit

        var publisherProbe = new Probe();
        await using (var publisher = await StartBusAsync(publisherProbe, "publisher"))
        {
            await publisher.PublishAsync(Orders(keys: 20, perKey: 3).Select(o => o with { Sequence = o.Sequence + 100 }));
        }

        await using var restarted = await StartBusAsync(probe, "run-2", bus => bus.AddConsumer<OrderConsumer>());
        await probe.WaitForCountAsync(firstBatch.Count + 60, Timeout);
        var secondRun = probe.Handled.Where(h => h.Instance == "run-2").ToList();
        Assert.Equal(60, secondRun.Count);
        Assert.All(secondRun, h => Assert.True(h.Sequence >= 100, $"sequence {h.Sequence} was handled again after restart"));
    }

    [Fact]
    public async Task A_new_group_replays_the_log_from_earliest()
    {
        var probe = new Probe();
        var orders = Orders(keys: 10, perKey: 10);
        await using (var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>()))
        {
            await host.PublishAsync(orders);
            await probe.WaitForCountAsync(orders.Count, Timeout);
        }
        var replay = new Probe();
        await using var late = await StartBusAsync(replay, "b", bus => bus.AddConsumer<AuditConsumer>());
        await replay.WaitForCountAsync(orders.Count, Timeout);
        Assert.Equal(orders.Count, replay.Handled.Select(h => h.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Independent_consumers_each_see_every_message()
    {
        var probe = new Probe();
        await using var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>().AddConsumer<AuditConsumer>());
        var orders = Orders(keys: 10, perKey: 10);
        await host.PublishAsync(orders);
        await probe.WaitForCountAsync(orders.Count * 2, Timeout);
        await host.Harness.WaitForIdle(Timeout);
        var groups = probe.Handled.GroupBy(h => h.GroupId).ToList();
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.Equal(orders.Count, g.Select(h => h.MessageId).Distinct().Count()));
    }

    [Fact]
    public async Task A_failing_handler_is_retried_in_place_and_then_succeeds()
    {
        var probe = new Probe();
        await using var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>(c => c.Retry = RetryPolicy.Immediate(3)));
        await host.PublishAsync([new ComplianceOrder("k", 0, FailTimes: 2), new ComplianceOrder("k", 1)]);
        await probe.WaitForCountAsync(2, Timeout);
        await host.Harness.WaitForIdle(Timeout);
        var handled = probe.Handled.ToList();
        Assert.Equal([0, 1], handled.Select(h => h.Sequence));
        Assert.Equal(3, probe.Attempts[handled[0].MessageId]);
        Assert.Equal(1, probe.Attempts[handled[1].MessageId]);
        Assert.Empty(host.Harness.Faulted<ComplianceOrder>());
    }

    [Fact]
    public async Task Exhausted_retries_dead_letter_the_message_with_failure_headers_and_the_partition_moves_on()
    {
        var probe = new Probe();
        await using var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>(c => c.Retry = RetryPolicy.Immediate(2)), partitions: 1);
        await host.PublishAsync([new ComplianceOrder("k", 0), new ComplianceOrder("k", 1, FailTimes: -1), new ComplianceOrder("k", 2)]);
        await probe.WaitForCountAsync(2, Timeout);
        await host.Harness.WaitForIdle(Timeout);

        Assert.Equal([0, 2], probe.Handled.Select(h => h.Sequence));
        var faulted = Assert.Single(host.Harness.Faulted<ComplianceOrder>());
        Assert.Equal(1, faulted.Message.Sequence);
        Assert.IsType<InvalidOperationException>(faulted.Exception);

        var deadLetter = Assert.Single(await ReadAllAsync(Topic + ".dead-letter", expected: 1));
        Assert.Equal("k", Encoding.UTF8.GetString(deadLetter.Key!.Value.Span));
        Assert.Contains("\"sequence\":1", Encoding.UTF8.GetString(deadLetter.Value.Span), StringComparison.Ordinal);
        Assert.Equal("handler-failed", deadLetter.Headers.GetString(HeaderNames.FailureReason));
        Assert.Equal(typeof(InvalidOperationException).FullName, deadLetter.Headers.GetString(HeaderNames.FailureExceptionType));
        Assert.Contains("fails on attempt 3", deadLetter.Headers.GetString(HeaderNames.FailureExceptionMessage), StringComparison.Ordinal);
        Assert.Equal("3", deadLetter.Headers.GetString(HeaderNames.FailureAttempts));
        Assert.Equal(Topic, deadLetter.Headers.GetString(HeaderNames.FailureSourceTopic));
        Assert.Equal("0", deadLetter.Headers.GetString(HeaderNames.FailureSourcePartition));
        Assert.Equal("1", deadLetter.Headers.GetString(HeaderNames.FailureSourceOffset));
        Assert.Equal(faulted.MessageId.ToString(), deadLetter.Headers.GetString(HeaderNames.MessageId));
        Assert.NotNull(deadLetter.Headers.GetString(HeaderNames.MessageType));
    }

    [Fact]
    public async Task Unreadable_records_are_dead_lettered_with_the_reason_and_never_stop_the_consumer()
    {
        var probe = new Probe();
        await using var host = await StartBusAsync(probe, "a", bus => bus.AddConsumer<OrderConsumer>(), partitions: 1);
        await host.PublishAsync([new ComplianceOrder("k", 0)]);
        await probe.WaitForCountAsync(1, Timeout);

        await using var transport = Fixture.CreateTransport();
        await transport.StartAsync(CancellationToken.None);
        var producer = transport.Producer;
        var typeHeader = new RecordHeader(HeaderNames.MessageType, "no.such.Type"u8.ToArray());
        await producer.ProduceAsync(new OutgoingRecord(Topic, "k"u8.ToArray(), "{}"u8.ToArray(), new RecordHeaders([typeHeader])));
        await producer.ProduceAsync(new OutgoingRecord(Topic, "k"u8.ToArray(), "not json at all"u8.ToArray(), RecordHeaders.Empty));
        await host.PublishAsync([new ComplianceOrder("k", 1)]);
        await probe.WaitForCountAsync(2, Timeout);

        var deadLetters = await ReadAllAsync(Topic + ".dead-letter", expected: 2);
        Assert.Equal(["unknown-message-type", "deserialization-failed"], deadLetters.Select(r => r.Headers.GetString(HeaderNames.FailureReason)));
        Assert.Equal("not json at all", Encoding.UTF8.GetString(deadLetters[1].Value.Span));
        Assert.Equal([0, 1], probe.Handled.Select(h => h.Sequence));
    }

    [Fact]
    public async Task Transport_contract_fetch_commit_seek_pause_resume()
    {
        await using var transport = Fixture.CreateTransport();
        await transport.StartAsync(CancellationToken.None);
        var topic = _prefix + "-raw";
        Assert.Equal(2, await transport.EnsureTopicAsync(new TopicSpecification(topic, 2), CancellationToken.None));
        Assert.Equal(2, await transport.EnsureTopicAsync(new TopicSpecification(topic, 5), CancellationToken.None)); // existing: unchanged

        var delivered = new List<DeliveryResult>();
        for (var i = 0; i < 20; i++)
        {
            delivered.Add(await transport.Producer.ProduceAsync(new OutgoingRecord(topic, null, Encoding.UTF8.GetBytes($"v{i}"), RecordHeaders.Empty, Partition: i % 2)));
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), delivered.Where(d => d.Partition == 0).Select(d => d.Offset));

        var listener = new RecordingListener();
        await using (var consumer = transport.CreateConsumer(new ConsumerSpecification { GroupId = _prefix + "-g", ClientId = "contract" }))
        {
            await consumer.SubscribeAsync([topic], listener, CancellationToken.None);
            var seen = await FetchAtLeastAsync(consumer, 20);
            Assert.Equal(2, listener.Assigned.Count);
            foreach (var partition in seen.GroupBy(r => r.Partition))
            {
                Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), partition.Select(r => r.Offset));
                Assert.Equal(partition.Select(r => $"v{(r.Offset * 2) + r.Partition}"), partition.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
            }

            // Seek back on partition 1, pause partition 0: only partition 1 is returned.
            consumer.Seek(new TopicPartitionOffset(topic, 1, 7));
            consumer.Pause(new TopicPartition(topic, 0));
            await transport.Producer.ProduceAsync(new OutgoingRecord(topic, null, "late"u8.ToArray(), RecordHeaders.Empty, Partition: 0));
            var afterSeek = await FetchAtLeastAsync(consumer, 3);
            Assert.All(afterSeek, r => Assert.Equal(1, r.Partition));
            Assert.Equal([7L, 8L, 9L], afterSeek.Select(r => r.Offset));
            consumer.Resume(new TopicPartition(topic, 0));
            var resumed = await FetchAtLeastAsync(consumer, 1);
            Assert.Equal("late", Encoding.UTF8.GetString(Assert.Single(resumed).Value.Span));

            await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 4), new TopicPartitionOffset(topic, 1, 10)], CancellationToken.None);
            Assert.Equal(4, await consumer.GetCommittedOffsetAsync(new TopicPartition(topic, 0), CancellationToken.None));
        }

        // A new member of the group starts at the committed offsets.
        await using var next = transport.CreateConsumer(new ConsumerSpecification { GroupId = _prefix + "-g", ClientId = "contract-2" });
        await next.SubscribeAsync([topic], new RecordingListener(), CancellationToken.None);
        var rest = await FetchAtLeastAsync(next, 7);
        Assert.Equal([4L, 5L, 6L, 7L, 8L, 9L, 10L], rest.Where(r => r.Partition == 0).Select(r => r.Offset));
        Assert.DoesNotContain(rest, r => r.Partition == 1);
    }

    [Fact]
    public async Task Transport_contract_two_members_get_disjoint_assignments_and_revocation_precedes_reassignment()
    {
        await using var transport = Fixture.CreateTransport();
        await transport.StartAsync(CancellationToken.None);
        var topic = _prefix + "-split";
        await transport.EnsureTopicAsync(new TopicSpecification(topic, 4), CancellationToken.None);
        var spec = new ConsumerSpecification { GroupId = _prefix + "-split-g", ClientId = "m" };
        var firstListener = new RecordingListener();
        await using var first = transport.CreateConsumer(spec);
        await first.SubscribeAsync([topic], firstListener, CancellationToken.None);
        await PollUntilAsync(first, () => firstListener.Owned.Count == 4);

        var secondListener = new RecordingListener();
        await using var second = transport.CreateConsumer(spec);
        await second.SubscribeAsync([topic], secondListener, CancellationToken.None);
        // The second member can only get partitions after the first revoked them.
        var deadline = DateTime.UtcNow + Timeout;
        while (secondListener.Owned.Count == 0 || firstListener.Owned.Count + secondListener.Owned.Count != 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the group did not rebalance");
            await first.FetchAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            await second.FetchAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            Assert.Empty(firstListener.Owned.Intersect(secondListener.Owned));
        }
        Assert.NotEmpty(firstListener.Revoked);
        Assert.Equal(4, firstListener.Owned.Union(secondListener.Owned).Count());
    }

    private static async Task PollUntilAsync(ITransportConsumer consumer, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached");
            await consumer.FetchAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }

    private static async Task<List<LogRecord>> FetchAtLeastAsync(ITransportConsumer consumer, int count)
    {
        var records = new List<LogRecord>();
        var deadline = DateTime.UtcNow + Timeout;
        while (records.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fetched {records.Count} of {count} records");
            records.AddRange(await consumer.FetchAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }
        return records;
    }

    /// <summary>Reads a whole topic with a throwaway group, waiting for at least <paramref name="expected"/> records.</summary>
    protected async Task<List<LogRecord>> ReadAllAsync(string topic, int expected)
    {
        await using var transport = Fixture.CreateTransport();
        await transport.StartAsync(CancellationToken.None);
        await using var consumer = transport.CreateConsumer(new ConsumerSpecification { GroupId = "reader-" + Guid.NewGuid().ToString("N"), ClientId = "reader" });
        await consumer.SubscribeAsync([topic], new RecordingListener(), CancellationToken.None);
        var records = await FetchAtLeastAsync(consumer, expected);
        return records.OrderBy(r => r.Partition).ThenBy(r => r.Offset).ToList();
    }

    /// <summary>Keeps the partitions a member owns.</summary>
    protected sealed class RecordingListener : IPartitionAssignmentListener
    {
        /// <summary>Currently owned partitions.</summary>
        public HashSet<TopicPartition> Owned { get; } = [];

        /// <summary>Every partition ever assigned.</summary>
        public List<TopicPartition> Assigned { get; } = [];

        /// <summary>Every partition ever revoked.</summary>
        public List<TopicPartition> Revoked { get; } = [];

        /// <inheritdoc />
        public ValueTask OnPartitionsAssignedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
        {
            Assigned.AddRange(partitions);
            Owned.UnionWith(partitions);
            return ValueTask.CompletedTask;
        }

        /// <inheritdoc />
        public ValueTask OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
        {
            Revoked.AddRange(partitions);
            Owned.ExceptWith(partitions);
            return ValueTask.CompletedTask;
        }
    }
}
