using System.Net;
using System.Net.Sockets;
using LogBus.Broker.Storage;

namespace LogBus.Broker.Tests.Storage;

/// <summary>Regions go out with Socket.SendPacketsAsync + SendPacketsElement(FileStream, offset, count), as the server will send them.</summary>
public sealed class SendFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<byte[]> SendOverLoopback(LogReadResult region)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();

        var received = new byte[region.Length];
        var receive = Task.Run(async () =>
        {
            var got = 0;
            while (got < received.Length)
            {
                var n = await client.ReceiveAsync(received.AsMemory(got), SocketFlags.None);
                Assert.True(n > 0, "connection closed early");
                got += n;
            }
        });
        using var args = new SocketAsyncEventArgs
        {
            SendPacketsElements = [new SendPacketsElement(region.File!, region.Position, region.Length)],
        };
        var sent = new TaskCompletionSource<SocketError>(TaskCreationOptions.RunContinuationsAsynchronously);
        args.Completed += (_, e) => sent.TrySetResult(e.SocketError);
        if (!server.SendPacketsAsync(args))
        {
            sent.TrySetResult(args.SocketError);
        }
        Assert.Equal(SocketError.Success, await sent.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await receive.WaitAsync(TimeSpan.FromSeconds(30));
        return received;
    }

    [Fact]
    public async Task A_region_is_sent_with_send_packets_even_after_its_segment_was_deleted()
    {
        var config = LogConfig.Default with { SegmentBytes = 8 * 1024, RetentionBytes = 0 };
        using var log = PartitionLog.Open(_dir.Sub("s-0"), "s", 0, config, false);
        var model = new LogModel();
        for (var i = 0; i < 40; i++)
        {
            var b = TestBatches.Build(3, 700, i, seed: i);
            log.Append(b, 0);
            model.AddSet(b);
        }
        using var middle = log.Read(14, 3000);
        Assert.Equal(middle.ToArray(), await SendOverLoopback(middle));

        using var first = log.Read(0, 1 << 20);
        var expected = first.ToArray();
        Assert.True(log.DeleteRetainedSegments() > 0);
        Assert.False(File.Exists(first.Segment!.LogPath));
        Assert.Equal(expected, await SendOverLoopback(first)); // the lease keeps the unlinked file sendable
        Assert.Equal(model.Batches.Take(TestBatches.Split(expected).Count).SelectMany(b => b), expected);
    }
}
