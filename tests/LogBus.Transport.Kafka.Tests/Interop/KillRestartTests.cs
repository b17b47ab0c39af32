using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using LogBus.Compatibility.Tests;
using LogBus.Transport.Kafka.Client;
using LogBus.Transport.Kafka.Tests.Support;

namespace LogBus.Transport.Kafka.Tests.Interop;

/// <summary>
/// kill -9 of the real broker process in the middle of a stream, then a restart on the same port and
/// data directory: the producer retries, nothing acknowledged is lost, idempotence adds no duplicates,
/// and a consumer continues where it was.
/// </summary>
public sealed class KillRestartTests
{
    [Fact]
    public async Task Producer_and_consumer_survive_a_broker_kill_without_loss_or_duplicates()
    {
        var port = FreePort();
        await using var broker = await BrokerProcess.StartAsync("--listen", $"127.0.0.1:{port}");
        var topic = TestClients.UniqueTopic("kill");
        await TestClients.CreateTopicAsync(broker.Bootstrap, topic, 3);
        const int total = 30_000;
        const int chunk = 500;

        var acknowledged = new ConcurrentDictionary<int, DeliveryResult>();
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var producer = new KafkaProducer(new KafkaProducerOptions
        {
            BootstrapServers = broker.Bootstrap,
            RetryBackoff = TimeSpan.FromMilliseconds(50),
            ReconnectBackoffMax = TimeSpan.FromMilliseconds(200),
            DeliveryTimeout = TimeSpan.FromMinutes(3),
        });
        var producing = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += chunk)
            {
                var pending = new List<(int Seq, ValueTask<DeliveryResult> Result)>();
                for (var seq = start; seq < start + chunk; seq++)
                {
                    var key = Encoding.UTF8.GetBytes($"key-{seq % 100}");
                    pending.Add((seq, producer.ProduceAsync(new OutgoingRecord(topic, key, Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)), RecordHeaders.Empty))));
                }
                foreach (var (seq, result) in pending)
                {
                    acknowledged[seq] = await result;
                }
                if (acknowledged.Count >= total / 3)
                {
                    halfway.TrySetResult();
                }
            }
        });

        var seen = new ConcurrentQueue<int>();
        using var stopConsumer = new CancellationTokenSource();
        await using var consumer = new KafkaConsumer(new KafkaConsumerOptions { BootstrapServers = broker.Bootstrap, ReconnectBackoffMax = TimeSpan.FromMilliseconds(200) });
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)));
        var consuming = Task.Run(async () =>
        {
            while (seen.Count < total && !stopConsumer.IsCancellationRequested)
            {
                foreach (var record in await consumer.FetchAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None))
                {
                    seen.Enqueue(int.Parse(Encoding.UTF8.GetString(record.Value.Span), CultureInfo.InvariantCulture));
                }
            }
        });

        await halfway.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var acknowledgedAtKill = acknowledged.Count;
        await broker.RestartAsync(); // kill -9, then start again on the same port and data directory
        Assert.Equal(port, broker.Port);

        await producing.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(acknowledgedAtKill < total, "the broker was killed mid-stream");
        Assert.Equal(total, acknowledged.Count);
        stopConsumer.CancelAfter(TimeSpan.FromMinutes(2));
        await consuming.WaitAsync(TimeSpan.FromMinutes(3));

        // A fresh reader sees every acknowledged record exactly once, at the offset it was acknowledged with.
        var records = await TestClients.ReadAsync(broker.Bootstrap, topic, 3, total);
        Assert.Equal(total, await EndOffsetSumAsync(broker.Bootstrap, topic)); // no duplicates appended
        var values = records.Select(r => (Seq: int.Parse(Encoding.UTF8.GetString(r.Value.Span), CultureInfo.InvariantCulture), r.Partition, r.Offset)).ToList();
        Assert.Equal(total, values.Select(v => v.Seq).Distinct().Count());
        foreach (var v in values)
        {
            Assert.Equal((acknowledged[v.Seq].Partition, acknowledged[v.Seq].Offset), (v.Partition, v.Offset));
        }
        // Per-key order survived the retries.
        foreach (var key in values.GroupBy(v => v.Seq % 100))
        {
            var ordered = key.OrderBy(v => v.Offset).Select(v => v.Seq).ToList();
            Assert.Equal(ordered.Order(), ordered);
        }
        // The live consumer continued across the restart without gaps or repeats.
        Assert.Equal(total, seen.Count);
        Assert.Equal(total, seen.Distinct().Count());
    }

    private static async Task<long> EndOffsetSumAsync(string bootstrap, string topic)
    {
        await using var admin = new KafkaAdminClient(new KafkaClientOptions { BootstrapServers = bootstrap });
        var ends = await admin.EndOffsetsAsync(Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)).ToList());
        return ends.Values.Sum();
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
