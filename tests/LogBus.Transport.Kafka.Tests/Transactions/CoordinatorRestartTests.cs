using System.Text;
using LogBus.Transport.Kafka.Client;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Transactions;

/// <summary>The broker (and so the transaction coordinator) restarts while transactions are open.</summary>
public sealed class CoordinatorRestartTests
{
    private static OutgoingRecord Record(string topic, string key, string value, int? partition = null) =>
        new(topic, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), RecordHeaders.Empty, partition);

    [Fact]
    public async Task Open_transactions_complete_or_abort_after_a_coordinator_restart_and_none_hangs()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var topic = TestClients.UniqueTopic("txr");
        var group = "g-" + topic;
        await TestClients.CreateTopicAsync(broker.Bootstrap, topic, 2);
        KafkaProducer Producer(string id, TimeSpan timeout) => new(new KafkaProducerOptions
        {
            BootstrapServers = broker.Bootstrap,
            TransactionalId = id,
            TransactionTimeout = timeout,
            Linger = TimeSpan.FromMilliseconds(1),
            RetryBackoff = TimeSpan.FromMilliseconds(50),
        });
        await using var committer = Producer("commits-" + topic, TimeSpan.FromMinutes(1));
        await using var aborter = Producer("aborts-" + topic, TimeSpan.FromMinutes(1));
        var abandoned = Producer("abandoned-" + topic, TimeSpan.FromSeconds(3));
        var expected = new List<string>();
        foreach (var (producer, name) in new[] { (committer, "commit"), (aborter, "abort"), (abandoned, "abandoned") })
        {
            await producer.WhenReady.WaitAsync(TestClients.Timeout);
            producer.BeginTransaction();
            for (var i = 0; i < 50; i++)
            {
                await producer.ProduceAsync(Record(topic, $"k{i}", $"{name}-{i}"));
                if (name == "commit")
                {
                    expected.Add($"{name}-{i}");
                }
            }
        }
        await committer.SendOffsetsToTransactionAsync([(topic, 0, 5L)], group);

        await broker.RestartAsync(); // same port and data directory; every open transaction is in __transaction_state

        await committer.CommitTransactionAsync().WaitAsync(TestClients.Timeout); // reconnects and finds the coordinator again
        await aborter.AbortTransactionAsync().WaitAsync(TestClients.Timeout);
        await abandoned.DisposeAsync(); // never ends its transaction: the coordinator aborts it at its timeout

        // Records after every transaction: a read_committed reader reaches them only when no transaction hangs.
        await using (var plain = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = broker.Bootstrap }))
        {
            await plain.ProduceAsync(Record(topic, "end", "end-0", partition: 0));
            await plain.ProduceAsync(Record(topic, "end", "end-1", partition: 1));
        }
        expected.AddRange(["end-0", "end-1"]);
        var read = await TestClients.ReadAsync(broker.Bootstrap, topic, 2, expected.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), read.Select(r => Encoding.UTF8.GetString(r.Value.Span)).Order(StringComparer.Ordinal));

        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = broker.Bootstrap, GroupId = group });
        Assert.Equal(5, await consumer.GetCommittedOffsetAsync(new TopicPartition(topic, 0), CancellationToken.None));

        // The survivors keep working after the restart.
        committer.BeginTransaction();
        await committer.ProduceAsync(Record(topic, "k", "after", partition: 0));
        await committer.CommitTransactionAsync();
        Assert.Contains("after", (await TestClients.ReadAsync(broker.Bootstrap, topic, 2, expected.Count + 1)).Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }
}
