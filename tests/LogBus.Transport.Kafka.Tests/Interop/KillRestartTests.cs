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

    [Fact]
    public async Task A_group_consumer_resumes_from_committed_offsets_across_a_broker_kill_and_a_new_member_continues_exactly_there()
    {
        var port = FreePort();
        await using var broker = await BrokerProcess.StartAsync("--listen", $"127.0.0.1:{port}");
        var topic = TestClients.UniqueTopic("kill-group");
        await TestClients.CreateTopicAsync(broker.Bootstrap, topic, 3);
        const int total = 20_000;
        await using (var producer = new KafkaProducer(new KafkaProducerOptions { BootstrapServers = broker.Bootstrap }))
        {
            var pending = new List<ValueTask<DeliveryResult>>();
            for (var seq = 0; seq < total; seq++)
            {
                pending.Add(producer.ProduceAsync(new OutgoingRecord(topic, Encoding.UTF8.GetBytes($"key-{seq % 50}"), Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)), RecordHeaders.Empty)));
            }
            foreach (var p in pending)
            {
                await p;
            }
        }

        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        KafkaConsumerOptions Options() => new()
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = group,
            HeartbeatInterval = TimeSpan.FromMilliseconds(300),
            SessionTimeout = TimeSpan.FromSeconds(10),
            ReconnectBackoffMax = TimeSpan.FromMilliseconds(200),
            MaxPollRecords = 500,
        };
        var first = new HashSet<int>();
        var committed = new Dictionary<TopicPartition, long>();
        var killed = false;
        await using (var consumer = new KafkaConsumer(Options()))
        {
            await consumer.SubscribeAsync([topic], new NullListener(), CancellationToken.None);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (first.Count < total / 2)
            {
                Assert.True(DateTime.UtcNow < deadline, $"first member consumed {first.Count}");
                var records = await consumer.FetchAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
                foreach (var record in records)
                {
                    first.Add(int.Parse(Encoding.UTF8.GetString(record.Value.Span), CultureInfo.InvariantCulture));
                }
                var positions = records.GroupBy(r => new TopicPartition(r.Topic, r.Partition)).Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, g.Max(r => r.Offset) + 1)).ToList();
                if (await CommitWithRetriesAsync(consumer, positions))
                {
                    foreach (var position in positions)
                    {
                        committed[position.TopicPartition] = position.Offset;
                    }
                }
                if (!killed && first.Count >= total / 5)
                {
                    killed = true;
                    await broker.RestartAsync(); // kill -9 and restart on the same port and data
                }
            }
        } // leaves the group; everything consumed is committed
        Assert.True(killed);

        await using var second = new KafkaConsumer(Options());
        var listener = new NullListener();
        await second.SubscribeAsync([topic], listener, CancellationToken.None);
        var later = new List<LogRecord>();
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (first.Count + later.Count < total)
        {
            Assert.True(DateTime.UtcNow < until, $"second member consumed {later.Count}");
            later.AddRange((await second.FetchAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None)).ToList());
        }
        // The new member starts exactly at the committed positions: nothing is consumed twice or skipped.
        foreach (var partition in later.GroupBy(r => r.Partition))
        {
            var tp = new TopicPartition(topic, partition.Key);
            Assert.Equal(committed.GetValueOrDefault(tp), partition.Min(r => r.Offset));
        }
        var secondSeqs = later.Select(r => int.Parse(Encoding.UTF8.GetString(r.Value.Span), CultureInfo.InvariantCulture)).ToList();
        Assert.Empty(secondSeqs.Intersect(first));
        Assert.Equal(total, first.Count + secondSeqs.Distinct().Count());
        Assert.Equal(secondSeqs.Count, secondSeqs.Distinct().Count());
    }

    /// <summary>Commits, retrying while the broker restarts; false when a rebalance took the partitions (they are read again).</summary>
    private static async Task<bool> CommitWithRetriesAsync(KafkaConsumer consumer, List<TopicPartitionOffset> positions)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await consumer.CommitAsync(positions, CancellationToken.None);
                return true;
            }
            catch (CommitFailedException)
            {
                return false;
            }
            catch (KafkaException) when (attempt < 5)
            {
                // the broker is restarting
            }
        }
    }

    private sealed class NullListener : IPartitionAssignmentListener
    {
        public ValueTask OnPartitionsAssignedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) => ValueTask.CompletedTask;
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
