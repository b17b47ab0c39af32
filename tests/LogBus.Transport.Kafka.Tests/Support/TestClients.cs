using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Support;

/// <summary>Helpers that build clients against a bootstrap address and read topics back.</summary>
public static class TestClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string UniqueTopic(string prefix = "t") => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    public static async Task<int> CreateTopicAsync(string bootstrap, string topic, int partitions)
    {
        await using var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = bootstrap });
        return await admin.CreateTopicAsync(topic, partitions);
    }

    /// <summary>Reads every partition of a topic from the beginning (manual assignment) until <paramref name="count"/> records arrived.</summary>
    public static async Task<List<LogRecord>> ReadAsync(string bootstrap, string topic, int partitions, int count, Action<KafkaConsumerOptions>? configure = null)
    {
        var options = new KafkaConsumerOptions { BootstrapServers = bootstrap };
        configure?.Invoke(options);
        await using var consumer = new KafkaConsumer(options);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)));
        var records = new List<LogRecord>();
        var deadline = DateTime.UtcNow + Timeout;
        while (records.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read {records.Count} of {count} records from {topic}");
            records.AddRange(await consumer.FetchAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        }
        return records;
    }
}
