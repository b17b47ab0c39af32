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

    /// <summary>
    /// The floor of request latency on this machine right now: <paramref name="connections"/> loopback
    /// connections to an echo server that answers each 4 KiB message at once, paced like the broker's
    /// half-load run (same rate, same sleeps). Returns p50 and p99 in milliseconds.
    /// </summary>
    public static async Task<(double P50, double P99)> EchoLatencyAsync(int connections, double requestsPerSecond, TimeSpan duration)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(connections);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        const int size = 4096;
        var latencies = new List<double>[connections];
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var interval = Stopwatch.Frequency / (requestsPerSecond / connections);
        var tasks = Enumerable.Range(0, connections).Select(async c =>
        {
            latencies[c] = new List<double>(1 << 14);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accept = listener.AcceptAsync();
            await client.ConnectAsync(endPoint);
            using var server = await accept;
            server.NoDelay = true;
            var echo = Task.Run(async () =>
            {
                var buffer = new byte[size];
                try
                {
                    while (true)
                    {
                        var read = 0;
                        while (read < size)
                        {
                            var n = await server.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
                            if (n == 0)
                            {
                                return;
                            }
                            read += n;
                        }
                        await server.SendAsync(buffer, SocketFlags.None);
                    }
                }
                catch (SocketException)
                {
                }
            });
            var message = new byte[size];
            var reply = new byte[size];
            for (long k = 0; ; k++)
            {
                var scheduled = start + (long)(k * interval) + (long)(c * interval / connections);
                var wait = (scheduled - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, wait)));
                }
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    break;
                }
                var sent = Stopwatch.GetTimestamp();
                await client.SendAsync(message, SocketFlags.None);
                var read = 0;
                while (read < size)
                {
                    read += await client.ReceiveAsync(reply.AsMemory(read), SocketFlags.None);
                }
                latencies[c].Add((Stopwatch.GetTimestamp() - sent) * 1000.0 / Stopwatch.Frequency);
            }
            client.Shutdown(SocketShutdown.Both);
            await echo;
        }).ToArray();
        await Task.WhenAll(tasks);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all[all.Length / 2], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]);
    }
}
