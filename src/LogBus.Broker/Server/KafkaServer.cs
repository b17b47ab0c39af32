using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server;

/// <summary>
/// The TCP listener: accepts connections and runs one <see cref="KafkaConnection"/> per socket until
/// stopped. Owns the listening socket and every connection it accepted.
/// </summary>
internal sealed class KafkaServer : IAsyncDisposable
{
    private readonly RequestHandlerRegistry _handlers;
    private BrokerServices _services = null!;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (KafkaConnection Connection, Task Run)> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextId;

    public KafkaServer(RequestHandlerRegistry handlers, ILoggerFactory loggerFactory)
    {
        _handlers = handlers;
        _logger = loggerFactory.CreateLogger("LogBus.Broker.Server");
    }

    /// <summary>The bound endpoint (after <see cref="Start"/>).</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>Open connections.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Broker-side request times of every connection (diagnostics and benchmarks).</summary>
    public RequestTimeHistogram RequestTimes { get; } = new();

    /// <summary>
    /// Time in the synchronous part of the handlers (a produce's validation and append to the log; a
    /// fetch's read until it returns or parks as a long poll), per API key, every connection.
    /// </summary>
    public RequestTimeHistogram HandlerTimes { get; } = new();

    /// <summary>The connections (tests and diagnostics).</summary>
    internal IEnumerable<KafkaConnection> Connections => _connections.Values.Select(v => v.Connection);

    /// <summary>Binds the listening socket (so the bound port is known before the services exist). Throws <see cref="SocketException"/> when the address is in use.</summary>
    public void Bind(IPEndPoint endPoint)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endPoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Starts accepting connections on the bound socket.</summary>
    public void Start(BrokerServices services)
    {
        var listener = _listener ?? throw new InvalidOperationException("Bind first.");
        _services = services;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener, _stop.Token));
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Transient accept failures (e.g. too many open files) must not end the loop.
                _logger.LogWarning("Accept failed: {Reason}", e.Message);
                continue;
            }
            if (_connections.Count >= _services.Options.MaxConnections)
            {
                _logger.LogWarning("Refusing connection from {Remote}: {Max} connections open", socket.RemoteEndPoint, _services.Options.MaxConnections);
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextId);
            var connection = new KafkaConnection(id, socket, _services, _handlers, RequestTimes, HandlerTimes, _logger);
            _logger.LogDebug("Connection {Id} from {Remote} accepted", id, socket.RemoteEndPoint);
            // Register before running so StopAsync sees every connection it must wait for.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = RunConnectionAsync(id, connection, start.Task);
            _connections[id] = (connection, run);
            start.SetResult();
        }
    }

    private async Task RunConnectionAsync(long id, KafkaConnection connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Stops accepting, lets every connection answer the requests it already read (up to
    /// <paramref name="timeout"/>), then closes them.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }
        _listener?.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        var runs = _connections.Values.ToArray();
        foreach (var (connection, _) in runs)
        {
            connection.BeginStop();
        }
        var all = Task.WhenAll(runs.Select(r => r.Run));
        if (await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false) != all)
        {
            _logger.LogWarning("{Count} connections did not finish within {Timeout}; closing them", _connections.Count, timeout);
            foreach (var (connection, _) in _connections.Values)
            {
                connection.Abort();
            }
            await all.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stop.Dispose();
    }
}
