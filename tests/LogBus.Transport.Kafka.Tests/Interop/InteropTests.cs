using System.Globalization;
using System.Text;
using System.Text.Json;
using LogBus.Compatibility.Tests;
using LogBus.Protocol;
using LogBus.Protocol.Records;
using LogBus.Transport.Kafka.Client;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Interop;

/// <summary>
/// Our client against the real <c>logbus-broker</c> process, checked by real third-party clients:
/// kcat and confluent-kafka-python (both librdkafka 2.0.2).
/// </summary>
public sealed class InteropTests : IAsyncLifetime
{
    private const int Partitions = 6;
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);
    private BrokerProcess? _broker;

    private BrokerProcess Broker => _broker!;

    private static string Script(string name) => Path.Combine(RepositoryPaths.Root, "tests", "LogBus.Transport.Kafka.Tests", "scripts", name);

    public async Task InitializeAsync() => _broker = await BrokerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(CompressionCodec.None)]
    [InlineData(CompressionCodec.Gzip)]
    public async Task Our_producer_to_kcat_and_confluent_kafka_identical_records_and_java_murmur2_partitions(CompressionCodec compression)
    {
        var topic = TestClients.UniqueTopic("interop");
        Assert.Equal(Partitions, await TestClients.CreateTopicAsync(Broker.Bootstrap, topic, Partitions));
        const int count = 600;
        var sent = new Dictionary<(int Partition, long Offset), (string Key, string Value, string Seq)>();
        await using (var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = Broker.Bootstrap, Compression = compression }))
        {
            var pending = new List<(string Key, string Value, string Seq, ValueTask<DeliveryResult> Result)>();
            for (var i = 0; i < count; i++)
            {
                var key = $"key-{i % 150}";
                var value = $"value-{i}-é✓";
                var seq = i.ToString(CultureInfo.InvariantCulture);
                var headers = new RecordHeaders([Transport.RecordHeader.FromString("seq", seq), Transport.RecordHeader.FromString("src", "logbus")]);
                pending.Add((key, value, seq, producer.ProduceAsync(new OutgoingRecord(topic, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), headers))));
            }
            foreach (var (key, value, seq, result) in pending)
            {
                var delivered = await result;
                // Java's partitioner: toPositive(murmur2(key)) % partitions.
                Assert.Equal(Murmur2.Partition(Encoding.UTF8.GetBytes(key), Partitions), delivered.Partition);
                sent[(delivered.Partition, delivered.Offset)] = (key, value, seq);
            }
        }
        Assert.Equal(count, sent.Count);

        // kcat reads identical keys, values and headers at the offsets our producer reported.
        var kcat = await ExternalProcess.RunAsync("kcat", ["-b", Broker.Bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%s\t%h\n"], ToolTimeout);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
        var kcatLines = kcat.Lines;
        Assert.Equal(count, kcatLines.Length);
        foreach (var line in kcatLines)
        {
            var parts = line.Split('\t');
            var expected = sent[(int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture))];
            Assert.Equal(expected.Key, parts[2]);
            Assert.Equal(expected.Value, parts[3]);
            Assert.Equal($"seq={expected.Seq},src=logbus", parts[4]);
        }

        // confluent-kafka reads the same.
        var confluent = await ExternalProcess.RunAsync("/usr/bin/python3", [Script("confluent_consume.py"), Broker.Bootstrap, topic, Partitions.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture)], ToolTimeout);
        Assert.True(confluent.ExitCode == 0, confluent.ToString());
        Assert.Equal(count, confluent.Lines.Length);
        foreach (var line in confluent.Lines)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var expected = sent[(root.GetProperty("partition").GetInt32(), root.GetProperty("offset").GetInt64())];
            Assert.Equal(expected.Key, root.GetProperty("key").GetString());
            Assert.Equal(expected.Value, root.GetProperty("value").GetString());
            var headers = root.GetProperty("headers").EnumerateArray().Select(h => $"{h[0].GetString()}={h[1].GetString()}").ToList();
            Assert.Equal([$"seq={expected.Seq}", "src=logbus"], headers);
        }
    }

    [Fact]
    public async Task Confluent_kafka_with_murmur2_random_agrees_on_partitions_and_our_consumer_reads_everything_it_produced()
    {
        var topic = TestClients.UniqueTopic("interop-in");
        await TestClients.CreateTopicAsync(Broker.Bootstrap, topic, Partitions);
        const int count = 1000;
        var produced = await ExternalProcess.RunAsync("/usr/bin/python3", [Script("confluent_produce.py"), Broker.Bootstrap, topic, count.ToString(CultureInfo.InvariantCulture), "murmur2_random", "gzip"], ToolTimeout);
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var deliveries = produced.Lines.Select(l => JsonDocument.Parse(l).RootElement).Select(e => (Key: e.GetProperty("key").GetString()!, Partition: e.GetProperty("partition").GetInt32(), Offset: e.GetProperty("offset").GetInt64())).ToList();
        Assert.Equal(count, deliveries.Count);
        foreach (var d in deliveries)
        {
            // librdkafka's murmur2_random is Java's partitioner; ours must pick the same partition.
            Assert.Equal(Murmur2.Partition(Encoding.UTF8.GetBytes(d.Key), Partitions), d.Partition);
        }

        var records = await TestClients.ReadAsync(Broker.Bootstrap, topic, Partitions, count);
        Assert.Equal(count, records.Count);
        var byPosition = deliveries.ToDictionary(d => (d.Partition, d.Offset));
        foreach (var record in records)
        {
            var key = Encoding.UTF8.GetString(record.Key!.Value.Span);
            Assert.Equal(byPosition[(record.Partition, record.Offset)].Key, key);
            var seq = record.Headers.GetString("seq");
            Assert.Equal($"key-{seq}", key);
            Assert.Equal($"value-{seq}", Encoding.UTF8.GetString(record.Value.Span));
            Assert.Equal("confluent", record.Headers.GetString("src"));
        }
        Assert.Equal(count, records.Select(r => (r.Partition, r.Offset)).Distinct().Count());
    }
}
