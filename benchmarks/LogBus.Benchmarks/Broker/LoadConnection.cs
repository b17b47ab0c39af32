using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Benchmarks.Broker;

/// <summary>
/// One load-generator connection on our protocol codec: sends pre-encoded request frames (only the
/// correlation id is patched), pipelined up to a depth, and reads the responses on its own loop.
/// </summary>
internal sealed class LoadConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _receive;
    private int _correlationId;

    private LoadConnection(Socket socket, int receiveBuffer)
    {
        _socket = socket;
        _receive = new byte[receiveBuffer];
    }

    /// <summary>Connects; <paramref name="receiveBuffer"/> is the initial response buffer (it grows for larger responses).</summary>
    public static async Task<LoadConnection> ConnectAsync(int port, int receiveBuffer = 64 * 1024)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return new LoadConnection(socket, receiveBuffer);
    }

    /// <summary>Encodes a request frame once; <see cref="SendAsync"/> patches the correlation id.</summary>
    public static byte[] Encode(KafkaRequest request, short version)
    {
        using var buffer = new PooledBufferWriter(256 * 1024);
        FrameWriter.WriteRequest(buffer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = 0, ClientId = "bench" }, request);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends a pre-encoded frame with the next correlation id; returns the id.</summary>
    public async ValueTask<int> SendAsync(byte[] frame)
    {
        var id = ++_correlationId;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), id);
        var memory = frame.AsMemory();
        while (memory.Length > 0)
        {
            var n = await _socket.SendAsync(memory, SocketFlags.None);
            memory = memory[n..];
        }
        return id;
    }

    /// <summary>The next correlation id, for a caller that encodes frames itself and sends them with <see cref="SendRawAsync"/>.</summary>
    public int NextCorrelationId() => ++_correlationId;

    /// <summary>Sends bytes as they are (one or more whole frames encoded by the caller, ids from <see cref="NextCorrelationId"/>).</summary>
    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> frames)
    {
        while (frames.Length > 0)
        {
            var n = await _socket.SendAsync(frames, SocketFlags.None);
            frames = frames[n..];
        }
    }

    /// <summary>Reads one response frame (body without the size prefix) into the connection's buffer.</summary>
    public async ValueTask<Memory<byte>> ReceiveAsync()
    {
        await FillAsync(_receive.AsMemory(0, 4));
        var size = BinaryPrimitives.ReadInt32BigEndian(_receive);
        if (size < 4 || size > 256 << 20)
        {
            throw new InvalidDataException($"response frame of {size} bytes");
        }
        if (size > _receive.Length)
        {
            _receive = new byte[Math.Max(size, _receive.Length * 2)];
        }
        var body = _receive.AsMemory(0, size);
        await FillAsync(body);
        return body;
    }

    private async ValueTask FillAsync(Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("broker closed the connection");
            }
            buffer = buffer[n..];
        }
    }

    /// <summary>Checks a produce response (v7); returns its correlation id.</summary>
    public static int CheckProduce(Memory<byte> body)
    {
        var reader = new KafkaReader(body);
        var id = reader.ReadInt32();
        var response = ProduceResponse.Read(ref reader, 7);
        foreach (var t in response.Responses)
        {
            foreach (var p in t.Partitions)
            {
                if (p.ErrorCode != ErrorCode.None)
                {
                    throw new InvalidOperationException($"produce failed: {p.ErrorCode}");
                }
            }
        }
        return id;
    }

    /// <summary>
    /// Walks a fetch response (v11, one partition) without decoding records: returns the record count and
    /// the next offset (after the last whole batch), skipping batch records before <paramref name="from"/>.
    /// </summary>
    public static (long Records, long NextOffset, long HighWatermark) CountFetch(Memory<byte> body, long from)
    {
        var reader = new KafkaReader(body);
        reader.ReadInt32(); // correlation id
        var response = FetchResponse.Read(ref reader, 11);
        var p = response.Responses[0].Partitions[0];
        if (p.ErrorCode != ErrorCode.None)
        {
            throw new InvalidOperationException($"fetch failed: {p.ErrorCode}");
        }
        long records = 0;
        var next = from;
        var span = p.Records.Memory.Span;
        while (RecordBatchHeader.TryRead(span, out var header) && header.TotalSize <= span.Length)
        {
            if (header.LastOffset >= next)
            {
                records += header.LastOffset + 1 - Math.Max(next, header.BaseOffset);
                next = header.LastOffset + 1;
            }
            span = span[header.TotalSize..];
        }
        return (records, next, p.HighWatermark);
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>High-resolution timestamp helper.</summary>
    public static double ElapsedMs(long from) => (Stopwatch.GetTimestamp() - from) * 1000.0 / Stopwatch.Frequency;
}
