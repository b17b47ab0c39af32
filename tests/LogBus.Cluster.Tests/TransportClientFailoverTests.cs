using System.Text;
using LogBus.Broker.Tests.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Transport;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Cluster.Tests;

/// <summary>Our Kafka transport client (idempotent producer, acks=all; assigned consumer) follows a leader change after kill -9.</summary>
public sealed class TransportClientFailoverTests
{
    private const string Topic = "client-failover";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Managed_producer_and_consumer_follow_the_new_leader()
    {
        await using var cluster = new ProcessCluster(3, "--broker-session-timeout-ms", "2000");
        cluster.StartAll();
        await cluster.WaitForMetadataAsync("none", m => m.Brokers.Count == 3, "three registered brokers", Timeout);
        await using (var client = await RawKafkaClient.ConnectAsync(cluster.Node(1).Port))
        {
            var created = await client.SendAsync<CreateTopicsResponse>(
                new CreateTopicsRequest { Topics = [new CreateTopicsRequest.Topic { Name = Topic, NumPartitions = 1, ReplicationFactor = 3 }], TimeoutMs = 10_000 }, 4);
            Assert.Equal(ErrorCode.None, created.Topics.Single().ErrorCode);
        }

        var metadata = await cluster.WaitForMetadataAsync(Topic, m => m.Topics.Single().Partitions is [{ LeaderId: > 0, IsrNodes.Count: 3 }], "topic led with a full ISR", Timeout);
        await using var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = cluster.Bootstrap, Acks = Acks.All, EnableIdempotence = true, DeliveryTimeout = Timeout });
        var first = await ProduceAsync(producer, "a", 200);

        var leader = metadata.Topics.Single().Partitions.Single().LeaderId;
        await cluster.Node(leader).KillAsync();
        var second = await ProduceAsync(producer, "b", 200); // the producer must find the new leader by itself
        var offsets = first.Concat(second).Select(d => d.Offset).ToList();
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), offsets);

        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = cluster.Bootstrap });
        consumer.Assign([new TopicPartition(Topic, 0)]);
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (values.Count < 400 && DateTime.UtcNow < deadline)
        {
            foreach (var record in await consumer.FetchAsync(TimeSpan.FromSeconds(1), CancellationToken.None))
            {
                Assert.Equal(values.Count, record.Offset);
                values.Add(Encoding.UTF8.GetString(record.Value.Span));
            }
        }

        Assert.Equal([.. Enumerable.Range(0, 200).Select(i => $"a-{i}"), .. Enumerable.Range(0, 200).Select(i => $"b-{i}")], values);
    }

    private static async Task<List<DeliveryResult>> ProduceAsync(KafkaProducer producer, string prefix, int count)
    {
        var sends = Enumerable.Range(0, count)
            .Select(i => producer.ProduceAsync(new OutgoingRecord(Topic, null, Encoding.UTF8.GetBytes($"{prefix}-{i}"), RecordHeaders.Empty)).AsTask())
            .ToList();
        return [.. await Task.WhenAll(sends)];
    }
}
