using LogBus.Broker.Tests.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// Crash safety through the real host: kill -9 while producing with acks=1 and an fsync per append,
/// then a torn active segment. After each restart a real client (kcat) must read every acknowledged
/// record (and, after the cut, everything before the cut).
/// </summary>
public sealed class CrashSafetyTests
{
    private const string Format = "%p\t%o\t%k\t%s\n";

    [Fact]
    public async Task Every_acknowledged_record_survives_kill_9_with_flush_per_append()
    {
        await using var broker = await BrokerProcess.StartAsync("--flush-every-append", "true", "--default-partitions", "2");
        await using (var admin = await RawKafkaClient.ConnectAsync(broker.Port))
        {
            var created = await admin.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("crash", 2), 4);
            Assert.Equal(ErrorCode.None, created.Topics[0].ErrorCode);
        }
        // Two connections pipeline acks=1 produce requests (8 in flight each) until the broker dies.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(int Partition, long BaseOffset, int First, int Count)>();
        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task ProduceUntilDeadAsync(int partition)
        {
            await using var client = await RawKafkaClient.ConnectAsync(broker.Port);
            var inFlight = new Queue<(int Id, int First)>();
            var next = 0;
            try
            {
                while (true)
                {
                    while (inFlight.Count < 8)
                    {
                        inFlight.Enqueue((await client.SendOnlyAsync(ProtocolTestData.Produce("crash", partition, ProtocolTestData.Batch(10, first: next), acks: 1), 7), next));
                        next += 10;
                    }
                    var (id, first) = inFlight.Dequeue();
                    var response = await client.ReceiveAsync<ProduceResponse>(ApiKey.Produce, 7, id);
                    var p = response.Responses[0].Partitions[0];
                    Assert.Equal(ErrorCode.None, p.ErrorCode);
                    acknowledged.Add((partition, p.BaseOffset, first, 10));
                    if (acknowledged.Count >= 400)
                    {
                        enoughAcks.TrySetResult();
                    }
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // the broker was killed: requests in flight are simply not acknowledged
            }
        }
        var producers = new[] { ProduceUntilDeadAsync(0), ProduceUntilDeadAsync(1) };
        await enoughAcks.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await broker.KillAsync(); // SIGKILL while requests are in flight
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(1));
        var acks = acknowledged.ToList();
        Assert.True(acks.Count >= 400);

        await broker.RestartAsync();
        Assert.Contains("no clean-shutdown marker", broker.Output, StringComparison.Ordinal);
        var consumed = await Kcat.RunAsync(broker, null, "-C", "-t", "crash", "-o", "beginning", "-e", "-f", Format);
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        var records = Kcat.ParseRecords(consumed).ToDictionary(r => (r.Partition, r.Offset));
        foreach (var (partition, baseOffset, first, count) in acks)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(records.TryGetValue((partition, baseOffset + i), out var r), $"acknowledged record {partition}/{baseOffset + i} is missing after kill -9");
                Assert.Equal($"key-{first + i}", r.Key);
                Assert.Equal($"value-{first + i}", r.Value);
            }
        }
        // Offsets stay dense after recovery, and the broker accepts new appends right after them.
        foreach (var partition in records.Keys.GroupBy(k => k.Partition))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(k => k.Offset).Order());
        }
        var again = await Kcat.RunAsync(broker, "after:restart\n", "-P", "-t", "crash", "-p", "0", "-K", ":");
        Assert.True(again.ExitCode == 0, again.ToString());
        var tail = await Kcat.RunAsync(broker, null, "-C", "-t", "crash", "-p", "0", "-o", "-1", "-e", "-f", Format);
        Assert.Equal("after", Assert.Single(Kcat.ParseRecords(tail)).Key);
    }

    [Fact]
    public async Task A_cut_active_segment_tail_recovers_to_the_last_whole_batch()
    {
        await using var broker = await BrokerProcess.StartAsync();
        var batchOffsets = new List<long>();
        await using (var client = await RawKafkaClient.ConnectAsync(broker.Port))
        {
            await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("torn"), 4);
            for (var b = 0; b < 50; b++)
            {
                var response = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("torn", 0, ProtocolTestData.Batch(20, first: b * 20), acks: 1), 7);
                Assert.Equal(ErrorCode.None, response.Responses[0].Partitions[0].ErrorCode);
                batchOffsets.Add(response.Responses[0].Partitions[0].BaseOffset);
            }
        }
        await broker.KillAsync();

        // Cut the active segment in the middle of its last batch (a torn write).
        var segment = Directory.GetFiles(Path.Combine(broker.DataDirectory, "torn-0"), "*.log").Order(StringComparer.Ordinal).Last();
        var length = new FileInfo(segment).Length;
        var lastBatchSize = length / 50; // all batches are the same size
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length - lastBatchSize / 2);
        }

        await broker.RestartAsync();
        var consumed = await Kcat.RunAsync(broker, null, "-C", "-t", "torn", "-o", "beginning", "-e", "-f", Format);
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        var records = Kcat.ParseRecords(consumed);
        // Everything before the cut batch, byte-exact; nothing of the cut batch.
        Assert.Equal(49 * 20, records.Count);
        Assert.Equal(Enumerable.Range(0, 49 * 20).Select(i => (0, (long)i, $"key-{i}", $"value-{i}")), records);
        // The next append continues right after the last whole batch.
        var produced = await Kcat.RunAsync(broker, "k:v\n", "-P", "-t", "torn", "-K", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var last = await Kcat.RunAsync(broker, null, "-C", "-t", "torn", "-o", "-1", "-e", "-f", Format);
        Assert.Equal((0, 980L, "k", "v"), Assert.Single(Kcat.ParseRecords(last)));
    }

    [Fact]
    public async Task Idempotent_deduplication_survives_kill_9()
    {
        await using var broker = await BrokerProcess.StartAsync();
        long producerId;
        var offsets = new List<long>();
        await using (var client = await RawKafkaClient.ConnectAsync(broker.Port))
        {
            await client.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("idem-crash"), 4);
            var init = await client.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest(), 1);
            producerId = init.ProducerId;
            for (var b = 0; b < 20; b++)
            {
                var response = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("idem-crash", 0, ProtocolTestData.Batch(5, b * 5, producerId, 0, b * 5), acks: 1), 7);
                Assert.Equal(ErrorCode.None, response.Responses[0].Partitions[0].ErrorCode);
                offsets.Add(response.Responses[0].Partitions[0].BaseOffset);
            }
        }
        await broker.KillAsync(); // no snapshot at shutdown: the state comes back from the log
        await broker.RestartAsync();
        await using (var client = await RawKafkaClient.ConnectAsync(broker.Port))
        {
            // The producer retries its last batches after the broker came back: duplicates, original offsets.
            for (var b = 15; b < 20; b++)
            {
                var retry = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("idem-crash", 0, ProtocolTestData.Batch(5, b * 5, producerId, 0, b * 5), acks: 1), 7);
                Assert.Equal((ErrorCode.None, offsets[b]), (retry.Responses[0].Partitions[0].ErrorCode, retry.Responses[0].Partitions[0].BaseOffset));
            }
            var next = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("idem-crash", 0, ProtocolTestData.Batch(5, 100, producerId, 0, 100), acks: 1), 7);
            Assert.Equal((ErrorCode.None, 100L), (next.Responses[0].Partitions[0].ErrorCode, next.Responses[0].Partitions[0].BaseOffset));
            var gap = await client.SendAsync<ProduceResponse>(ProtocolTestData.Produce("idem-crash", 0, ProtocolTestData.Batch(1, 200, producerId, 0, 200), acks: 1), 7);
            Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Responses[0].Partitions[0].ErrorCode);
            // A new producer id after the crash is not one handed out before it.
            var init = await client.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest(), 1);
            Assert.True(init.ProducerId > producerId);
        }
        var consumed = await Kcat.RunAsync(broker, null, "-C", "-t", "idem-crash", "-o", "beginning", "-e", "-f", Format);
        Assert.Equal(105, Kcat.ParseRecords(consumed).Count); // no duplicates were appended
    }
}
