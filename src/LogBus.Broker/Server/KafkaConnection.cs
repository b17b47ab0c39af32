using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using LogBus.Protocol;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server;

/// <summary>
/// One client connection: a read loop that frames, decodes and dispatches requests in order, and a
/// write loop that sends their responses in the same order (Kafka's per-connection ordering).
/// </summary>
/// <remarks>
/// <para>Bounds: at most <see cref="LogBusBrokerOptions.MaxInFlightRequestsPerConnection"/> requests and
/// <see cref="LogBusBrokerOptions.MaxInFlightBytesPerConnection"/> request bytes are held between being
/// read and their response being encoded; when either is reached the read loop stops reading the
/// socket (TCP backpressure reaches the client). A frame larger than
/// <see cref="LogBusBrokerOptions.MaxRequestSize"/> closes the connection as Kafka does.</para>
/// <para>Lifecycle: <see cref="RunAsync"/> owns the socket and everything below it. The read loop ends
/// at end of stream, on a protocol violation, on <see cref="BeginStop"/> or on a failure; it then
/// completes the pending queue, the write loop sends what is still pending (requests already read are
/// answered) and the socket is closed. A send failure aborts: pending work is awaited only to release
/// its buffers and leases.</para>
/// </remarks>
internal sealed partial class KafkaConnection
{
    /// <summary>Inline response bytes collected before a send even when more completed responses wait.</summary>
    private const int FlushThreshold = 256 * 1024;

    private readonly Socket _socket;
    private readonly BrokerServices _services;
    private readonly RequestHandlerRegistry _handlers;
    private readonly RequestTimeHistogram _requestTimes;
    private readonly RequestTimeHistogram _handlerTimes;
    private readonly LogBusBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingResponse> _pending;
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _requests;
    private readonly object _bytesLock = new();
    private long _inFlightBytes;
    private TaskCompletionSource? _bytesFreed;
    private int _aborted;
    private int _backpressureWaits;

    public KafkaConnection(long id, Socket socket, BrokerServices services, RequestHandlerRegistry handlers, RequestTimeHistogram requestTimes, RequestTimeHistogram handlerTimes, ILogger logger)
    {
        Id = id;
        _socket = socket;
        _services = services;
        _handlers = handlers;
        _requestTimes = requestTimes;
        _handlerTimes = handlerTimes;
        _options = services.Options;
        _logger = logger;
        RemoteEndPoint = socket.RemoteEndPoint;
        _pending = Channel.CreateBounded<PendingResponse>(new BoundedChannelOptions(_options.MaxInFlightRequestsPerConnection)
        {
            SingleReader = true,
            SingleWriter = true,
            // The write loop continues inline on the read loop when a response is queued: one thread hop
            // less per request at low load; it yields back at its first incomplete await (the send).
            AllowSynchronousContinuations = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _requests = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, services.Stopping);
    }

    /// <summary>Connection number (for logs).</summary>
    public long Id { get; }

    /// <summary>The client's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Request bytes currently held (read, response not yet encoded). For tests and diagnostics.</summary>
    public long InFlightBytes => Interlocked.Read(ref _inFlightBytes);

    /// <summary>How often the read loop stopped reading because a bound was reached (tests and diagnostics).</summary>
    public int BackpressureWaits => Volatile.Read(ref _backpressureWaits);

    /// <summary>Runs the connection until it closes; never throws.</summary>
    public async Task RunAsync()
    {
        try
        {
            var reading = ReadLoopAsync();
            var writing = WriteLoopAsync();
            await Task.WhenAll(reading, writing).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Connection {Id} from {Remote} failed", Id, RemoteEndPoint);
        }
        finally
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // already gone
            }
            _socket.Dispose();
            _requests.Dispose();
            _abort.Dispose();
            _stopReading.Dispose();
            _logger.LogDebug("Connection {Id} from {Remote} closed", Id, RemoteEndPoint);
        }
    }

    /// <summary>Graceful stop: read no more requests; answer the ones already read, then close.</summary>
    public void BeginStop()
    {
        try
        {
            _stopReading.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // closed already
        }
    }

    /// <summary>Hard stop: cancel everything and close the socket.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }
        try
        {
            _abort.Cancel();
            _stopReading.Cancel();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // closed already
        }
    }

    private bool IsAborted => Volatile.Read(ref _aborted) != 0;

    // ---- in-flight byte accounting ------------------------------------------------------------

    /// <summary>Waits until <paramref name="size"/> more request bytes fit (one request is always admitted when none is held).</summary>
    private ValueTask AdmitAsync(int size, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_bytesLock)
        {
            if (_inFlightBytes == 0 || _inFlightBytes + size <= _options.MaxInFlightBytesPerConnection)
            {
                _inFlightBytes += size;
                return ValueTask.CompletedTask;
            }
            _bytesFreed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _bytesFreed.Task;
        }
        Interlocked.Increment(ref _backpressureWaits);
        return SlowAdmitAsync(wait, size, cancellationToken);
    }

    private async ValueTask SlowAdmitAsync(Task wait, int size, CancellationToken cancellationToken)
    {
        while (true)
        {
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_bytesLock)
            {
                if (_inFlightBytes == 0 || _inFlightBytes + size <= _options.MaxInFlightBytesPerConnection)
                {
                    _inFlightBytes += size;
                    return;
                }
                _bytesFreed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _bytesFreed.Task;
            }
        }
    }

    private void ReleaseBytes(int size)
    {
        TaskCompletionSource? freed;
        lock (_bytesLock)
        {
            _inFlightBytes -= size;
            System.Diagnostics.Debug.Assert(_inFlightBytes >= 0, "in-flight bytes went negative");
            freed = _bytesFreed;
            _bytesFreed = null;
        }
        freed?.TrySetResult();
    }

    private static string Describe(RequestHeader header) => $"{header.ApiKey} v{header.ApiVersion} (correlation id {header.CorrelationId}, client '{header.ClientId}')";
}
