using System.Net;
using System.Net.Sockets;
using LogBus.Broker.Tests.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// Random and mutated frames against the live broker process, while a well-behaved connection keeps
/// working; afterwards a real client (kcat) must find the acknowledged data intact and produce/consume.
/// </summary>
public sealed class FuzzTests
{
    private const string Format = "%p\t%o\t%k\t%s\n";

    private static List<byte[]> Corpus()
    {
        var frames = new List<byte[]>();
        void Add(KafkaRequest request, short version)
        {
            using var buffer = new PooledBufferWriter();
            FrameWriter.WriteRequest(buffer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = 1, ClientId = "fuzz" }, request);
            frames.Add(buffer.WrittenSpan.ToArray());
        }
        Add(new ApiVersionsRequest(), 0);
        Add(new ApiVersionsRequest { ClientSoftwareName = "fuzz", ClientSoftwareVersion = "1" }, 3);
        Add(new MetadataRequest { Topics = ["fuzz-target"] }, 0);
        Add(new MetadataRequest { Topics = null, AllowAutoTopicCreation = false }, 8);
        Add(ProtocolTestData.Produce("fuzz-target", 0, ProtocolTestData.Batch(5)), 3);
        Add(ProtocolTestData.Produce("fuzz-target", 1, ProtocolTestData.Batch(3, codec: CompressionCodec.Gzip)), 7);
        Add(ProtocolTestData.Fetch("fuzz-target", 0, 0, maxWaitMs: 10), 4);
        Add(ProtocolTestData.Fetch("fuzz-target", 0, 3, maxWaitMs: 10), 11);
        Add(new ListOffsetsRequest { Topics = [new ListOffsetsRequest.Topic { Name = "fuzz-target", Partitions = [new ListOffsetsRequest.Partition { Timestamp = -2 }] }] }, 1);
        Add(new ListOffsetsRequest { Topics = [new ListOffsetsRequest.Topic { Name = "fuzz-target", Partitions = [new ListOffsetsRequest.Partition { Timestamp = 1_700_000_000_002 }] }] }, 5);
        Add(ProtocolTestData.CreateTopic("fuzz-new", 2), 4);
        Add(new DescribeConfigsRequest { Resources = [new DescribeConfigsRequest.Resource { ResourceType = 2, ResourceName = "fuzz-target" }] }, 2);
        Add(new InitProducerIdRequest(), 1);
        return frames;
    }

    private static byte[] Mutate(Random random, List<byte[]> corpus)
    {
        var seed = corpus[random.Next(corpus.Count)];
        var frame = (byte[])seed.Clone();
        switch (random.Next(8))
        {
            case 0: // random bytes
                frame = new byte[random.Next(1, 300)];
                random.NextBytes(frame);
                return frame;
            case 1: // flip some body bytes, keep the size
                for (var i = random.Next(1, 6); i > 0; i--)
                {
                    frame[random.Next(4, frame.Length)] ^= (byte)random.Next(1, 256);
                }
                return frame;
            case 2: // truncated frame
                return frame[..random.Next(1, frame.Length)];
            case 3: // wrong size prefix: negative, huge, or off by a little
                var sizes = new[] { -1, int.MinValue, int.MaxValue, frame.Length - 4 + random.Next(-10, 10), 200 * 1024 * 1024 };
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, sizes[random.Next(sizes.Length)]);
                return frame;
            case 4: // random api version
                System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), (short)random.Next(-5, 40));
                return frame;
            case 5: // random api key (never DeleteTopics: the test checks data survives)
                short key;
                do
                {
                    key = (short)random.Next(-3, 80);
                }
                while (key == (short)ApiKey.DeleteTopics);
                System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), key);
                return frame;
            case 6: // a valid frame followed by garbage
                var tail = new byte[random.Next(1, 64)];
                random.NextBytes(tail);
                return [.. frame, .. tail];
            default: // overwrite a run with 0xFF (negative lengths and counts)
                var at = random.Next(4, frame.Length);
                frame.AsSpan(at, Math.Min(frame.Length - at, random.Next(1, 5))).Fill(0xFF);
                return frame;
        }
    }

    [Fact]
    public async Task Random_and_mutated_frames_do_not_hurt_the_broker_or_acknowledged_data()
    {
        await using var broker = await BrokerProcess.StartAsync("--default-partitions", "2");
        var input = string.Concat(Enumerable.Range(0, 1000).Select(i => $"k{i}:v{i}\n"));
        var produced = await Kcat.RunAsync(broker, input, "-P", "-t", "fuzz-safe", "-p", "0", "-K", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        await using (var setup = await RawKafkaClient.ConnectAsync(broker.Port))
        {
            await setup.SendAsync<CreateTopicsResponse>(ProtocolTestData.CreateTopic("fuzz-target", 2), 4);
        }

        var seed = Environment.TickCount;
        var random = new Random(seed);
        var corpus = Corpus();
        using var stop = new CancellationTokenSource();
        var goodRequests = 0;
        var good = Task.Run(async () =>
        {
            await using var client = await RawKafkaClient.ConnectAsync(broker.Port);
            while (!stop.IsCancellationRequested)
            {
                var fetch = await client.SendAsync<FetchResponse>(ProtocolTestData.Fetch("fuzz-safe", 0, 990), 11);
                Assert.Equal(ErrorCode.None, fetch.Responses[0].Partitions[0].ErrorCode);
                Assert.True(fetch.Responses[0].Partitions[0].Records.Length > 0);
                Interlocked.Increment(ref goodRequests);
            }
        });

        var frames = 0;
        for (var connection = 0; connection < 400; connection++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, broker.Port));
            for (var i = random.Next(1, 5); i > 0; i--)
            {
                var frame = random.Next(4) == 0 ? corpus[random.Next(corpus.Count)] : Mutate(random, corpus);
                try
                {
                    await socket.SendAsync(frame, SocketFlags.None);
                    frames++;
                }
                catch (SocketException)
                {
                    break; // closed by the broker: fine
                }
            }
            // Drain whatever comes back until the broker closes or goes quiet (a truncated frame waits for more bytes).
            var buffer = new byte[64 * 1024];
            using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // quiet or reset: both fine
            }
        }
        await stop.CancelAsync();
        await good.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(goodRequests > 0, "the well-behaved connection made no progress");
        Assert.True(frames > 400, $"only {frames} frames sent (seed {seed})");

        // A real client afterwards: the acknowledged records are exactly there, and produce/consume works.
        var consumed = await Kcat.RunAsync(broker, null, "-C", "-t", "fuzz-safe", "-p", "0", "-o", "beginning", "-c", "1000", "-f", Format);
        Assert.True(consumed.ExitCode == 0, $"seed {seed}: {consumed}\n{broker.Output}");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (0, (long)i, $"k{i}", $"v{i}")), Kcat.ParseRecords(consumed));
        var after = await Kcat.RunAsync(broker, "after:fuzz\n", "-P", "-t", "fuzz-after", "-K", ":");
        Assert.True(after.ExitCode == 0, after.ToString());
        var read = await Kcat.RunAsync(broker, null, "-C", "-t", "fuzz-after", "-o", "beginning", "-e", "-f", Format);
        Assert.Equal(("after", "fuzz"), Kcat.ParseRecords(read).Select(r => (r.Key, r.Value)).Single());
        Assert.DoesNotContain("fail:", broker.Output, StringComparison.Ordinal); // no unhandled handler failures ("fail:" is the console logger's error level)
    }
}
