using System.Buffers.Binary;
using System.Net.Sockets;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Replication;

/// <summary>
/// A minimal Kafka-protocol client a follower uses to talk to a partition leader's Kafka listener
/// (Fetch with a replica id, OffsetForLeaderEpoch): one request at a time on one connection, so no
/// correlation bookkeeping is needed. Followers reuse the broker's own Fetch path, as Kafka does.
/// </summary>
internal sealed class ReplicaClient : IAsyncDisposable
{
    private const int MaxResponseSize = 256 * 1024 * 1024;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private int _correlation;
    private byte[] _frame = new byte[64 * 1024];

    private ReplicaClient(Socket socket, string clientId)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _clientId = clientId;
    }

    /// <summary>Connects (bounded by <paramref name="cancellationToken"/>).</summary>
    public static async Task<ReplicaClient> ConnectAsync(string host, int port, int nodeId, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new ReplicaClient(socket, $"logbus-replica-{nodeId}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> in <paramref name="version"/> and returns the decoded response.
    /// Record sets in it are slices of this client's receive buffer, reused by the next call: consume
    /// them before sending again.
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(KafkaRequest request, short version, CancellationToken cancellationToken)
        where TResponse : KafkaResponse
    {
        var correlation = ++_correlation;
        using (var buffer = new PooledBufferWriter())
        {
            FrameWriter.WriteRequest(buffer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = correlation, ClientId = _clientId }, request);
            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        var prefix = new byte[4];
        await _stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 4 || size > MaxResponseSize)
        {
            throw new IOException($"Response frame of {size} bytes from the leader is out of range.");
        }

        if (size > _frame.Length)
        {
            _frame = new byte[Math.Max(size, Math.Min(MaxResponseSize, _frame.Length * 2))];
        }

        var frame = _frame.AsMemory(0, size);
        await _stream.ReadExactlyAsync(frame, cancellationToken).ConfigureAwait(false);
        var reader = new KafkaReader(frame);
        var header = ResponseHeader.Read(ref reader, ApiVersionTable.ResponseHeaderVersion(request.ApiKey, version));
        if (header.CorrelationId != correlation)
        {
            throw new IOException($"Leader answered correlation id {header.CorrelationId}, expected {correlation}.");
        }

        return KafkaResponse.Read(request.ApiKey, version, ref reader) as TResponse
            ?? throw new IOException($"Unexpected response type for {request.ApiKey}.");
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
