using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using LogBus.Broker.Cluster.Raft;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Cluster;

/// <summary>
/// The controller listener (<c>--controller-listen</c>): accepts connections from the other voters,
/// hands Raft messages to the quorum and answers controller requests on the same connection (in
/// completion order, matched by correlation id). At most <see cref="MaxConnections"/> connections and
/// <see cref="MaxPendingRequestsPerConnection"/> unanswered requests per connection (then the
/// connection stops reading: TCP backpressure). Malformed frames close the connection.
/// </summary>
internal sealed class ControllerListener : IAsyncDisposable
{
    /// <summary>Simultaneous inbound connections.</summary>
    public const int MaxConnections = 64;

    /// <summary>Unanswered requests per connection.</summary>
    public const int MaxPendingRequestsPerConnection = 64;

    private readonly TcpListener _listener;
    private readonly Action<RaftMessage> _onRaft;
    private readonly Func<ControllerRequestType, byte[], CancellationToken, Task<(ControllerResponseStatus, byte[])>> _onRequest;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Task? _accept;
    private int _open;

    public ControllerListener(
        IPEndPoint endpoint,
        Action<RaftMessage> onRaft,
        Func<ControllerRequestType, byte[], CancellationToken, Task<(ControllerResponseStatus, byte[])>> onRequest,
        ILogger logger)
    {
        _listener = new TcpListener(endpoint);
        _onRaft = onRaft;
        _onRequest = onRequest;
        _logger = logger;
    }

    /// <summary>The bound port (after <see cref="Start"/>).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Binds and starts accepting.</summary>
    public void Start()
    {
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_accept is not null)
        {
            await _accept.ConfigureAwait(false);
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Interlocked.Increment(ref _open) > MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var task = ServeAsync(socket);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        using var writeLock = new SemaphoreSlim(1, 1);
        using var pending = new SemaphoreSlim(MaxPendingRequestsPerConnection, MaxPendingRequestsPerConnection);
        var header = new byte[4];
        var inFlight = new List<Task>();
        try
        {
            while (await ControllerStreams.ReadFrameAsync(stream, header, connection.Token).ConfigureAwait(false) is { } body)
            {
                switch (body[0])
                {
                    case ControllerFrames.RaftFrame:
                        var message = ControllerFrames.DecodeRaft(body.AsSpan(1)) ?? throw new InvalidDataException("Malformed Raft message.");
                        _onRaft(message);
                        break;
                    case ControllerFrames.RequestFrame when body.Length >= 6:
                        await pending.WaitAsync(connection.Token).ConfigureAwait(false);
                        inFlight.RemoveAll(t => t.IsCompleted);
                        inFlight.Add(AnswerAsync(stream, writeLock, pending, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1)), (ControllerRequestType)body[5], body[6..], connection.Token));
                        break;
                    default:
                        throw new InvalidDataException($"Unexpected controller frame type {body[0]}.");
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or InvalidDataException or ObjectDisposedException)
        {
            if (e is InvalidDataException)
            {
                _logger.LogWarning("Closing controller connection from {Remote}: {Reason}", socket.RemoteEndPoint, e.Message);
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(inFlight).ConfigureAwait(false);
            Interlocked.Decrement(ref _open);
        }
    }

    private async Task AnswerAsync(Stream stream, SemaphoreSlim writeLock, SemaphoreSlim pending, int correlation, ControllerRequestType type, byte[] payload, CancellationToken token)
    {
        try
        {
            (ControllerResponseStatus Status, byte[] Payload) result;
            try
            {
                result = await _onRequest(type, payload, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Controller request {Type} failed", type);
                result = (ControllerResponseStatus.Failed, []);
            }

            var frame = ControllerFrames.EncodeCall(ControllerFrames.ResponseFrame, correlation, (byte)result.Status, result.Payload);
            await writeLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(frame, token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The connection died; the caller times out and retries.
        }
        finally
        {
            pending.Release();
        }
    }
}
