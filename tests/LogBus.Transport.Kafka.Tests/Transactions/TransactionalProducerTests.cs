using System.Text;
using LogBus.Protocol;
using LogBus.Transport.Kafka.Client;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Transactions;

/// <summary>The managed client's transactional producer against our broker in this process.</summary>
public sealed class TransactionalProducerTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private static OutgoingRecord Record(string topic, string key, string value) => new(topic, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), RecordHeaders.Empty);

    private KafkaProducer Transactional(string id) => new(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap, TransactionalId = id, Linger = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task Committed_transactions_are_read_once_and_aborted_ones_never_with_read_committed()
    {
        var topic = TestClients.UniqueTopic("txn");
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 3);
        await using var producer = Transactional("tp-" + topic);
        await producer.WhenReady.WaitAsync(TestClients.Timeout);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await producer.ProduceAsync(Record(topic, "k", "outside"))); // no transaction open
        producer.BeginTransaction();
        Assert.Throws<InvalidOperationException>(producer.BeginTransaction);
        await producer.AbortTransactionAsync(); // nothing was added: no EndTxn needed
        var expected = new List<string>();
        for (var t = 0; t < 8; t++)
        {
            producer.BeginTransaction();
            var sends = new List<ValueTask<DeliveryResult>>();
            for (var i = 0; i < 100; i++)
            {
                var value = $"{(t % 2 == 0 ? "c" : "a")}-{t}-{i}";
                sends.Add(producer.ProduceAsync(Record(topic, $"k{i}", value)));
                if (t % 2 == 0)
                {
                    expected.Add(value);
                }
            }
            foreach (var s in sends)
            {
                await s;
            }
            if (t % 2 == 0)
            {
                await producer.CommitTransactionAsync();
            }
            else
            {
                await producer.AbortTransactionAsync();
            }
        }
        var committed = await TestClients.ReadAsync(fixture.Bootstrap, topic, 3, expected.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), committed.Select(r => Encoding.UTF8.GetString(r.Value.Span)).Order(StringComparer.Ordinal));
        var all = await TestClients.ReadAsync(fixture.Bootstrap, topic, 3, 800, o => o.IsolationLevel = IsolationLevel.ReadUncommitted);
        Assert.Equal(800, all.Count); // the aborted records are in the log; control records are never returned
    }

    [Fact]
    public async Task Offsets_sent_to_a_transaction_commit_with_it_and_are_dropped_by_an_abort()
    {
        var topic = TestClients.UniqueTopic("txo");
        var group = "g-" + topic;
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 1);
        await using var producer = Transactional("to-" + topic);
        await producer.WhenReady.WaitAsync(TestClients.Timeout);
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = fixture.Bootstrap, GroupId = group });
        var partition = new TopicPartition(topic, 0);

        producer.BeginTransaction();
        await producer.ProduceAsync(Record(topic, "k", "v1"));
        await producer.SendOffsetsToTransactionAsync([(topic, 0, 17L)], group);
        Assert.Null(await consumer.GetCommittedOffsetAsync(partition, CancellationToken.None)); // pending until the commit
        await producer.CommitTransactionAsync();
        Assert.Equal(17, await consumer.GetCommittedOffsetAsync(partition, CancellationToken.None));

        producer.BeginTransaction();
        await producer.SendOffsetsToTransactionAsync([(topic, 0, 99L)], group);
        await producer.AbortTransactionAsync();
        Assert.Equal(17, await consumer.GetCommittedOffsetAsync(partition, CancellationToken.None));
    }

    [Fact]
    public async Task A_second_instance_fences_the_first_and_aborts_its_open_transaction()
    {
        var topic = TestClients.UniqueTopic("txf");
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 1);
        var id = "tf-" + topic;
        await using var zombie = Transactional(id);
        await zombie.WhenReady.WaitAsync(TestClients.Timeout);
        zombie.BeginTransaction();
        await zombie.ProduceAsync(Record(topic, "k", "zombie"));

        await using var successor = Transactional(id);
        await successor.WhenReady.WaitAsync(TestClients.Timeout);
        Assert.Equal(zombie.ProducerId, successor.ProducerId);
        Assert.True(successor.ProducerEpoch > zombie.ProducerEpoch);

        var fenced = await Assert.ThrowsAsync<KafkaTransactionException>(() => zombie.CommitTransactionAsync());
        Assert.True(fenced.IsFatal, fenced.Message);
        Assert.Throws<KafkaTransactionException>(zombie.BeginTransaction); // unusable afterwards

        successor.BeginTransaction();
        await successor.ProduceAsync(Record(topic, "k", "successor"));
        await successor.CommitTransactionAsync();
        var read = await TestClients.ReadAsync(fixture.Bootstrap, topic, 1, 1);
        Assert.Equal(["successor"], read.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }
}
