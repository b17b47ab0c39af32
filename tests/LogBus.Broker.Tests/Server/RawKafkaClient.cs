using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Server;

/// <summary>A bare Kafka protocol client on our codec: frames in, frames out, nothing hidden. Every wait is bounded.</summary>
internal sealed class RawKafkaClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private int _correlationId;

    private RawKafkaClient(Socket socket) => _socket = socket;

    public static async Task<RawKafkaClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        return new RawKafkaClient(socket);
    }

    public string ClientId { get; set; } = "raw-test";

    /// <summary>Sends a request without waiting; returns its correlation id.</summary>
    public async Task<int> SendOnlyAsync(KafkaRequest request, short version)
    {
        var id = Interlocked.Increment(ref _correlationId);
        using var buffer = new PooledBufferWriter();
        FrameWriter.WriteRequest(buffer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = id, ClientId = ClientId }, request);
        await SendRawAsync(buffer.WrittenMemory);
        return id;
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        while (bytes.Length > 0)
        {
            var n = await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
            bytes = bytes[n..];
        }
    }

    /// <summary>Reads one response frame (without the size prefix); null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix, cts.Token))
        {
            return null;
        }
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        Assert.InRange(size, 4, 512 * 1024 * 1024);
        var frame = new byte[size];
        if (!await ReadExactlyAsync(frame, cts.Token))
        {
            throw new IOException("The broker closed the connection inside a response frame.");
        }
        return frame;
    }

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer[read..], SocketFlags.None, token);
            }
            catch (SocketException)
            {
                return false; // reset by the broker
            }
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    /// <summary>Reads the response to <paramref name="correlationId"/> (the next frame).</summary>
    public async Task<TResponse> ReceiveAsync<TResponse>(ApiKey apiKey, short version, int correlationId)
        where TResponse : KafkaResponse
    {
        var frame = await ReadFrameAsync() ?? throw new IOException("The broker closed the connection.");
        return Decode<TResponse>(frame, apiKey, version, correlationId);
    }

    public static TResponse Decode<TResponse>(byte[] frame, ApiKey apiKey, short version, int correlationId)
        where TResponse : KafkaResponse
    {
        var reader = new KafkaReader(frame);
        var header = ResponseHeader.Read(ref reader, ApiVersionTable.ResponseHeaderVersion(apiKey, version));
        Assert.Equal(correlationId, header.CorrelationId);
        var response = KafkaResponse.Read(apiKey, version, ref reader);
        Assert.Equal(0, reader.Remaining);
        return Assert.IsType<TResponse>(response);
    }

    public async Task<TResponse> SendAsync<TResponse>(KafkaRequest request, short version)
        where TResponse : KafkaResponse
    {
        var id = await SendOnlyAsync(request, version);
        return await ReceiveAsync<TResponse>(request.ApiKey, version, id);
    }

    /// <summary>True when the broker closes the connection (reads to end of stream, discarding responses) within the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
