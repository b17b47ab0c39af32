using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LogBus.Benchmarks.Broker;

/// <summary>This machine's own ceilings, measured in the same run as the broker: loopback TCP and sequential disk write+fsync.</summary>
internal static class MachineLimits
{
    /// <summary>Bytes/s one TCP connection moves over loopback (64 KiB sends, one receiver).</summary>
    public static async Task<double> LoopbackBytesPerSecondAsync(TimeSpan duration)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndPoint!);
        using var server = await accept;
        var stop = false;
        long received = 0;
        var receiver = Task.Run(async () =>
        {
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await server.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                received += n;
            }
        });
        var chunk = new byte[64 * 1024];
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration && !stop)
        {
            await client.SendAsync(chunk, SocketFlags.None);
        }
        client.Shutdown(SocketShutdown.Send);
        await receiver;
        return received / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Bytes/s of sequential 1 MiB writes followed by one fsync, in <paramref name="directory"/>.</summary>
    public static double DiskWriteBytesPerSecond(string directory, long totalBytes)
    {
        var path = Path.Combine(directory, "raw-disk-test.bin");
        var chunk = new byte[1 << 20];
        Random.Shared.NextBytes(chunk);
        var watch = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            for (long offset = 0; offset < totalBytes; offset += chunk.Length)
            {
                RandomAccess.Write(handle, chunk, offset);
            }
            RandomAccess.FlushToDisk(handle);
        }
        var rate = totalBytes / watch.Elapsed.TotalSeconds;
        File.Delete(path);
        return rate;
    }
}
