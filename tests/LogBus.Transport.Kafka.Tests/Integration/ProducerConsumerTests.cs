using System.Text;
using LogBus.Protocol;
using LogBus.Protocol.Records;
using LogBus.Transport.Kafka.Client;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Integration;

/// <summary>The managed client against our broker in this process.</summary>
public sealed class ProducerConsumerTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private static OutgoingRecord Keyed(string topic, string key, string value, params (string Name, string Value)[] headers) =>
        new(topic, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value),
            new RecordHeaders(headers.Select(h => Transport.RecordHeader.FromString(h.Name, h.Value)).ToArray()));

    [Theory]
    [InlineData(CompressionCodec.None)]
    [InlineData(CompressionCodec.Gzip)]
    public async Task Keys_values_and_headers_round_trip_and_keys_land_on_their_murmur2_partition(CompressionCodec compression)
    {
        var topic = TestClients.UniqueTopic();
        Assert.Equal(4, await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 4));
        await using var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap, Compression = compression });
        var sends = new List<(string Key, ValueTask<DeliveryResult> Result)>();
        for (var i = 0; i < 2000; i++)
        {
            var key = $"key-{i % 97}";
            sends.Add((key, producer.ProduceAsync(Keyed(topic, key, $"value-{i}", ("seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("empty", "")))));
        }
        var delivered = new List<(string Key, DeliveryResult Result)>();
        foreach (var (key, result) in sends)
        {
            delivered.Add((key, await result));
        }
        foreach (var (key, result) in delivered)
        {
            Assert.Equal(Murmur2.Partition(Encoding.UTF8.GetBytes(key), 4), result.Partition);
        }
        foreach (var partition in delivered.GroupBy(d => d.Result.Partition))
        {
            // Offsets are dense and in call order per partition.
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(d => d.Result.Offset));
        }

        var records = await TestClients.ReadAsync(fixture.Bootstrap, topic, 4, 2000);
        Assert.Equal(2000, records.Count);
        var byOffset = delivered.ToDictionary(d => (d.Result.Partition, d.Result.Offset));
        foreach (var record in records)
        {
            var seq = int.Parse(record.Headers.GetString("seq")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"value-{seq}", Encoding.UTF8.GetString(record.Value.Span));
            Assert.Equal(byOffset[(record.Partition, record.Offset)].Key, Encoding.UTF8.GetString(record.Key!.Value.Span));
            Assert.Equal($"key-{seq % 97}", Encoding.UTF8.GetString(record.Key!.Value.Span));
            Assert.Equal("", record.Headers.GetString("empty"));
            Assert.True((DateTimeOffset.UtcNow - record.Timestamp).Duration() < TimeSpan.FromMinutes(5));
        }
        foreach (var key in records.GroupBy(r => Encoding.UTF8.GetString(r.Key!.Value.Span)))
        {
            var sequence = key.Select(r => int.Parse(r.Headers.GetString("seq")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(sequence.Order(), sequence); // per-key order kept
        }
    }

    [Fact]
    public async Task Keyless_records_of_one_batch_stick_to_one_partition_and_null_keys_stay_null()
    {
        var topic = TestClients.UniqueTopic();
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 8);
        await using var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap, Linger = TimeSpan.FromMilliseconds(200) });
        await producer.WhenReady;
        var results = Enumerable.Range(0, 50).Select(i => producer.ProduceAsync(new OutgoingRecord(topic, null, new byte[] { (byte)i }, RecordHeaders.Empty)).AsTask()).ToList();
        var delivered = await Task.WhenAll(results);
        Assert.Single(delivered.Select(d => d.Partition).Distinct());
        var records = await TestClients.ReadAsync(fixture.Bootstrap, topic, 8, 50);
        Assert.All(records, r => Assert.Null(r.Key));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (byte)i), records.OrderBy(r => r.Offset).Select(r => r.Value.Span[0]));
    }

    [Fact]
    public async Task Clear_errors_for_unknown_topics_oversized_records_bad_partitions_and_unreachable_brokers()
    {
        await using var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap, MetadataWait = TimeSpan.FromMilliseconds(500), MaxRequestSize = 64 * 1024 });
        var unknown = await Assert.ThrowsAsync<KafkaException>(async () => await producer.ProduceAsync(Keyed("no-such-topic-" + Guid.NewGuid().ToString("N"), "k", "v")));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.ErrorCode);
        Assert.Contains("does not exist", unknown.Message, StringComparison.Ordinal);

        var topic = TestClients.UniqueTopic();
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 2);
        await producer.ProduceAsync(Keyed(topic, "k", "warm-up"));
        var tooLarge = await Assert.ThrowsAsync<KafkaException>(async () => await producer.ProduceAsync(new OutgoingRecord(topic, null, new byte[100_000], RecordHeaders.Empty)));
        Assert.Equal(ErrorCode.MessageTooLarge, tooLarge.ErrorCode);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await producer.ProduceAsync(new OutgoingRecord(topic, null, new byte[1], RecordHeaders.Empty, Partition: 5)));

        // Nothing listens on a port we just freed.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = $"127.0.0.1:{port}" });
        var unreachable = await Assert.ThrowsAsync<KafkaConnectionException>(() => admin.DescribeTopicAsync("x"));
        Assert.Contains($"127.0.0.1:{port}", unreachable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consumer_seek_pause_resume_and_latest_reset()
    {
        var topic = TestClients.UniqueTopic();
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 2);
        await using var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap });
        for (var i = 0; i < 20; i++)
        {
            await producer.ProduceAsync(new OutgoingRecord(topic, null, Encoding.UTF8.GetBytes($"v{i}"), RecordHeaders.Empty, Partition: i % 2));
        }

        await using var latest = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = fixture.Bootstrap, AutoOffsetReset = AutoOffsetReset.Latest });
        latest.Assign([new TopicPartition(topic, 0)]);
        Assert.Empty(await latest.FetchAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None)); // positions at the end

        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = fixture.Bootstrap });
        consumer.Assign([new TopicPartition(topic, 0), new TopicPartition(topic, 1)]);
        var all = await FetchAtLeastAsync(consumer, 20);
        Assert.Equal(20, all.Count);
        consumer.Seek(new TopicPartitionOffset(topic, 1, 7));
        consumer.Pause(new TopicPartition(topic, 0));
        await producer.ProduceAsync(new OutgoingRecord(topic, null, "late"u8.ToArray(), RecordHeaders.Empty, Partition: 0));
        await producer.ProduceAsync(new OutgoingRecord(topic, null, "later"u8.ToArray(), RecordHeaders.Empty, Partition: 0));
        var afterSeek = await FetchAtLeastAsync(consumer, 3);
        Assert.Equal([7L, 8L, 9L], afterSeek.Select(r => r.Offset));
        Assert.All(afterSeek, r => Assert.Equal(1, r.Partition));
        Assert.Empty(await consumer.FetchAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None)); // paused
        consumer.Resume(new TopicPartition(topic, 0));
        var resumed = await FetchAtLeastAsync(consumer, 2);
        Assert.Equal(["late", "later"], resumed.Select(r => Encoding.UTF8.GetString(r.Value.Span)));

        var latestRecords = await FetchAtLeastAsync(latest, 2);
        Assert.Equal(["late", "later"], latestRecords.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    [Fact]
    public async Task Wakeup_makes_a_waiting_fetch_return_promptly()
    {
        var topic = TestClients.UniqueTopic();
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 1);
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = fixture.Bootstrap });
        consumer.Assign([new TopicPartition(topic, 0)]);
        await consumer.FetchAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var fetch = consumer.FetchAsync(TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        consumer.Wakeup();
        Assert.Empty(await fetch.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_large_backlog_is_read_in_order_with_bounded_prefetch()
    {
        var topic = TestClients.UniqueTopic();
        await TestClients.CreateTopicAsync(fixture.Bootstrap, topic, 1);
        await using (var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = fixture.Bootstrap, BatchSize = 16 * 1024 }))
        {
            var pending = new List<ValueTask<DeliveryResult>>();
            for (var i = 0; i < 50_000; i++)
            {
                pending.Add(producer.ProduceAsync(new OutgoingRecord(topic, null, BitConverter.GetBytes(i), RecordHeaders.Empty)));
            }
            foreach (var p in pending)
            {
                await p;
            }
        }
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = fixture.Bootstrap, PrefetchBytesPerPartition = 64 * 1024, MaxPartitionFetchBytes = 32 * 1024 });
        consumer.Assign([new TopicPartition(topic, 0)]);
        var next = 0;
        var deadline = DateTime.UtcNow + TestClients.Timeout;
        while (next < 50_000)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read {next} records");
            foreach (var record in await consumer.FetchAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None))
            {
                Assert.Equal(next, record.Offset);
                Assert.Equal(next, BitConverter.ToInt32(record.Value.Span));
                next++;
            }
        }
    }

    internal static async Task<List<LogRecord>> FetchAtLeastAsync(KafkaConsumer consumer, int count)
    {
        var records = new List<LogRecord>();
        var deadline = DateTime.UtcNow + TestClients.Timeout;
        while (records.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fetched {records.Count} of {count} records");
            records.AddRange(await consumer.FetchAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }
        return records;
    }
}
