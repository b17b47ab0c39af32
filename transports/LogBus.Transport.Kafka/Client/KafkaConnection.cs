using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// One TCP connection to one broker: pipelined requests (any number in flight, responses matched in
/// order), a receive loop that decodes responses, and the API versions negotiated at connect.
/// </summary>
/// <remarks>
/// <para>Lifecycle: <see cref="ConnectAsync"/> connects and negotiates versions; the connection lives
/// until a socket error, a protocol error, a request timeout or <see cref="DisposeAsync"/>, after which
/// every pending request fails with <see cref="KafkaConnectionException"/> and <see cref="IsClosed"/> is
/// true. It never reconnects: owners (<see cref="ConnectionPool"/>) create a new one.</para>
/// <para>Concurrency: thread-safe. Sends are serialised by a lock held while the frame is written and
/// handed to the socket, so the pending queue's order is the wire order.</para>
/// </remarks>
internal sealed class KafkaConnection : IAsyncDisposable
{
    private const int ReceiveBufferSize = 256 * 1024;

    private readonly Socket _socket;
    private readonly KafkaClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Queue<PendingRequest> _pending = new();
    private readonly Lock _pendingGate = new();
    private readonly PooledBufferWriter _sendBuffer = new(64 * 1024);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly short[] _versions = new short[128];
    private Task? _receiveLoop;
    private int _nextCorrelationId;
    private Exception? _closeReason;

    private KafkaConnection(Socket socket, BrokerEndpoint endpoint, int nodeId, KafkaClientOptions options, ILogger logger)
    {
        _socket = socket;
        Endpoint = endpoint;
        NodeId = nodeId;
        _options = options;
        _logger = logger;
        Array.Fill(_versions, (short)-1);
    }

    /// <summary>The broker's address.</summary>
    public BrokerEndpoint Endpoint { get; }

    /// <summary>The broker's node id, or -1 for a bootstrap connection.</summary>
    public int NodeId { get; }

    /// <summary>True once the connection failed or was disposed.</summary>
    public bool IsClosed => _closing.IsCancellationRequested;

    /// <summary>Completes when the connection closes.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Connects, starts the receive loop and negotiates API versions.</summary>
    public static async Task<KafkaConnection> ConnectAsync(BrokerEndpoint endpoint, int nodeId, KafkaClientOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new KafkaConnectionException($"Cannot connect to broker {endpoint} (node {nodeId}): {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new KafkaConnection(socket, endpoint, nodeId, options, logger);
        connection._receiveLoop = Task.Run(connection.ReceiveLoopAsync, CancellationToken.None);
        try
        {
            await connection.NegotiateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return connection;
    }

    /// <summary>The negotiated version of an API, or -1 when the broker and this client share none.</summary>
    public short VersionOf(ApiKey apiKey) => (uint)apiKey < (uint)_versions.Length ? _versions[(int)apiKey] : (short)-1;

    /// <summary>The negotiated version, or a clear error when the broker does not support the API.</summary>
    public short RequireVersion(ApiKey apiKey)
    {
        var version = VersionOf(apiKey);
        return version >= 0
            ? version
            : throw new KafkaException(ErrorCode.UnsupportedVersion, $"Broker {Endpoint} supports no version of {apiKey} that this client implements");
    }

    /// <summary>
    /// Sends a request and waits for its response. <paramref name="extraWait"/> extends the request
    /// timeout for requests the broker may hold (Fetch long polls, JoinGroup).
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(KafkaRequest request, CancellationToken cancellationToken, TimeSpan extraWait = default, short version = -1)
        where TResponse : KafkaResponse
    {
        using var frame = await SendCoreAsync(request, version < 0 ? RequireVersion(request.ApiKey) : version, rentFrame: false, extraWait, cancellationToken).ConfigureAwait(false);
        return (TResponse)frame.Response;
    }

    /// <summary>Sends a request whose response is decoded from a pooled buffer the caller returns by disposing the frame.</summary>
    public Task<ResponseFrame> SendPooledAsync(KafkaRequest request, CancellationToken cancellationToken, TimeSpan extraWait = default) =>
        SendCoreAsync(request, RequireVersion(request.ApiKey), rentFrame: true, extraWait, cancellationToken);

    /// <summary>Sends a request that gets no response (Produce with acks=0).</summary>
    public async Task SendOneWayAsync(KafkaRequest request, CancellationToken cancellationToken)
    {
        var version = RequireVersion(request.ApiKey);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            var correlationId = _nextCorrelationId++;
            await WriteAndSendAsync(request, version, correlationId).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task<ResponseFrame> SendCoreAsync(KafkaRequest request, short version, bool rentFrame, TimeSpan extraWait, CancellationToken cancellationToken)
    {
        PendingRequest pending;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            pending = new PendingRequest(request.ApiKey, version, _nextCorrelationId++, rentFrame);
            lock (_pendingGate)
            {
                _pending.Enqueue(pending);
            }
            await WriteAndSendAsync(request, version, pending.CorrelationId).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
        try
        {
            return await pending.Task.WaitAsync(_options.RequestTimeout + extraWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The broker is stuck or the network is: responses are matched by order, so the only way
            // to recover is a new connection.
            var error = new KafkaException(ErrorCode.RequestTimedOut, $"{request.ApiKey} to broker {Endpoint} got no response within {_options.RequestTimeout + extraWait}");
            Close(error);
            throw error;
        }
    }

    private async ValueTask WriteAndSendAsync(KafkaRequest request, short version, int correlationId)
    {
        _sendBuffer.Clear();
        FrameWriter.WriteRequest(_sendBuffer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = _options.ClientId }, request);
        try
        {
            var memory = _sendBuffer.WrittenMemory;
            while (!memory.IsEmpty)
            {
                var sent = await _socket.SendAsync(memory, SocketFlags.None, _closing.Token).ConfigureAwait(false);
                memory = memory[sent..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            var error = new KafkaConnectionException($"Sending {request.ApiKey} to broker {Endpoint} failed: {ex.Message}", ex);
            Close(error);
            throw error;
        }
    }

    private async Task NegotiateAsync(CancellationToken cancellationToken)
    {
        // ApiVersions v2: non-flexible, answered by every broker since Kafka 2.0 (and by ours).
        const short apiVersionsVersion = 2;
        var response = await SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), cancellationToken, version: apiVersionsVersion).ConfigureAwait(false);
        if (response.ErrorCode != ErrorCode.None)
        {
            throw new KafkaException(response.ErrorCode, $"Broker {Endpoint} refused ApiVersions");
        }
        foreach (var range in response.ApiKeys)
        {
            if ((uint)range.ApiKey < (uint)_versions.Length && ApiVersionTable.Negotiate(range.ApiKey, range.MinVersion, range.MaxVersion, out var version))
            {
                _versions[(int)range.ApiKey] = version;
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                // Parse every complete frame in the buffer.
                while (end - start >= FrameReader.PrefixSize)
                {
                    var size = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
                    if (size < 0 || size > _options.MaxResponseSize)
                    {
                        throw new KafkaProtocolException($"Broker {Endpoint} sent a frame of {size} bytes (limit {_options.MaxResponseSize}).");
                    }
                    var pending = PeekPending() ?? throw new KafkaProtocolException($"Broker {Endpoint} sent a response nobody asked for.");
                    // Unrented frames are overwritten completely by the read below: no need to zero them.
                    var frame = pending.RentFrame ? ArrayPool<byte>.Shared.Rent(Math.Max(size, 1)) : GC.AllocateUninitializedArray<byte>(size);
                    var available = Math.Min(size, end - start - FrameReader.PrefixSize);
                    buffer.AsSpan(start + FrameReader.PrefixSize, available).CopyTo(frame);
                    start += FrameReader.PrefixSize + available;
                    var filled = available;
                    while (filled < size)
                    {
                        // Large frame: read the rest straight into its own buffer.
                        var n = await _socket.ReceiveAsync(frame.AsMemory(filled, size - filled), SocketFlags.None, _closing.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            throw new KafkaConnectionException($"Broker {Endpoint} closed the connection.");
                        }
                        filled += n;
                    }
                    Complete(frame, size);
                }
                if (start == end)
                {
                    start = end = 0;
                }
                else if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
                var read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new KafkaConnectionException($"Broker {Endpoint} closed the connection.");
                }
                end += read;
            }
        }
        catch (Exception ex)
        {
            var reason = ex switch
            {
                KafkaException k => k,
                OperationCanceledException => new KafkaConnectionException($"Connection to broker {Endpoint} closed."),
                _ => new KafkaConnectionException($"Connection to broker {Endpoint} failed: {ex.Message}", ex),
            };
            Close(reason);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private PendingRequest? PeekPending()
    {
        lock (_pendingGate)
        {
            return _pending.TryPeek(out var p) ? p : null;
        }
    }

    private void Complete(byte[] frame, int size)
    {
        PendingRequest pending;
        lock (_pendingGate)
        {
            pending = _pending.Dequeue();
        }
        KafkaResponse response;
        try
        {
            response = PendingRequest.Decode(pending, frame.AsMemory(0, size));
        }
        catch (KafkaProtocolException ex)
        {
            if (pending.RentFrame)
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
            // A frame that does not decode may mean a desynchronised stream: fail this request and close.
            pending.TrySetException(new KafkaException(ErrorCode.CorruptMessage, $"Malformed {pending.ApiKey} v{pending.Version} response from broker {Endpoint}: {ex.Message}", ex));
            throw;
        }
        var result = new ResponseFrame(response, pending.RentFrame ? frame : null);
        if (!pending.TrySetResult(result))
        {
            result.Dispose();
        }
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw _closeReason as KafkaException ?? new KafkaConnectionException($"Connection to broker {Endpoint} is closed.");
        }
    }

    /// <summary>Closes the connection and fails every pending request with <paramref name="reason"/>.</summary>
    public void Close(Exception reason)
    {
        lock (_pendingGate)
        {
            if (_closeReason is not null)
            {
                return;
            }
            _closeReason = reason;
        }
        KafkaLog.ConnectionClosed(_logger, Endpoint.ToString(), NodeId, reason.Message);
        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
        List<PendingRequest> failed;
        lock (_pendingGate)
        {
            failed = [.. _pending];
            _pending.Clear();
        }
        var error = reason as KafkaException ?? new KafkaConnectionException(reason.Message, reason);
        foreach (var p in failed)
        {
            p.TrySetException(error is KafkaConnectionException ? error : new KafkaConnectionException($"Connection to broker {Endpoint} closed: {reason.Message}", reason));
        }
        _closed.TrySetResult();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Close(new KafkaConnectionException($"Connection to broker {Endpoint} was closed by the client."));
        if (_receiveLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
        await _sendLock.WaitAsync().ConfigureAwait(false);
        _sendBuffer.Dispose();
        _sendLock.Release();
        Debug.Assert(_pending.Count == 0, "no request left pending after close");
    }
}
