using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LogBus.Benchmarks.Broker;

/// <summary>This machine's own ceilings, measured in the same run as the broker: loopback TCP and sequential disk write+fsync.</summary>
internal static class MachineLimits
{
    /// <summary>The 1-minute load average (runnable tasks; this machine is shared), or "?" where /proc/loadavg does not exist.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }

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
    /// connections to a server that answers each <paramref name="requestSize"/>-byte message at once with
    /// <paramref name="responseSize"/> bytes (the sizes of the broker's produce request and response),
    /// paced like the broker's half-load run (same rate, same sleeps). Returns the latencies in milliseconds.
    /// </summary>
    public static async Task<List<double>> EchoLatencyAsync(int connections, double requestsPerSecond, TimeSpan duration, int requestSize, int responseSize)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(connections);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        // Sockets and buffers first, then a collection, then the clock (as in the broker's phases).
        var pairs = new (Socket Client, Socket Server, byte[] Message, byte[] Reply, byte[] Buffer, byte[] Answer, List<double> Latencies)[connections];
        for (var c = 0; c < connections; c++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accept = listener.AcceptAsync();
            await client.ConnectAsync(endPoint);
            var server = await accept;
            server.NoDelay = true;
            pairs[c] = (client, server, new byte[requestSize], new byte[responseSize], new byte[requestSize], new byte[responseSize], new List<double>(1 << 14));
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var interval = Stopwatch.Frequency / (requestsPerSecond / connections);
        var tasks = Enumerable.Range(0, connections).Select(async c =>
        {
            var (client, server, message, reply, buffer, answer, latencies) = pairs[c];
            using var ownedClient = client;
            using var ownedServer = server;
            var echo = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var read = 0;
                        while (read < requestSize)
                        {
                            var n = await server.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
                            if (n == 0)
                            {
                                return;
                            }
                            read += n;
                        }
                        await server.SendAsync(answer, SocketFlags.None);
                    }
                }
                catch (SocketException)
                {
                }
            });
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
                var sentBytes = 0;
                while (sentBytes < requestSize)
                {
                    sentBytes += await client.SendAsync(message.AsMemory(sentBytes), SocketFlags.None);
                }
                var received = 0;
                while (received < responseSize)
                {
                    received += await client.ReceiveAsync(reply.AsMemory(received), SocketFlags.None);
                }
                latencies.Add((Stopwatch.GetTimestamp() - sent) * 1000.0 / Stopwatch.Frequency);
            }
            client.Shutdown(SocketShutdown.Both);
            await echo;
        }).ToArray();
        await Task.WhenAll(tasks);
        return pairs.SelectMany(p => p.Latencies).ToList();
    }
}
