using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Cluster;

/// <summary>
/// The outbound connection from this node to one other voter's controller listener: carries Raft
/// messages (one way, dropped when the bounded queue is full or the peer is down: Raft retransmits)
/// and controller requests (answered on the same connection, matched by correlation id). Reconnects
/// after failures with a short backoff. Owned by <see cref="MetadataQuorum"/>.
/// </summary>
internal sealed class ControllerPeer : IAsyncDisposable
{
    private const int QueueCapacity = 1024;
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly ConcurrentDictionary<int, TaskCompletionSource<(ControllerResponseStatus, byte[])>> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly Task _loop;
    private int _nextCorrelation;

    public ControllerPeer(QuorumVoter voter, ILogger logger)
    {
        Voter = voter;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The peer.</summary>
    public QuorumVoter Voter { get; }

    /// <summary>Queues a frame (best effort).</summary>
    public void Send(byte[] frame) => _queue.Writer.TryWrite(frame);

    /// <summary>Sends a request and waits for the answer; <see cref="ControllerResponseStatus.Failed"/> on timeout or connection loss.</summary>
    public async Task<(ControllerResponseStatus Status, byte[] Payload)> CallAsync(ControllerRequestType type, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var correlation = Interlocked.Increment(ref _nextCorrelation);
        var call = new TaskCompletionSource<(ControllerResponseStatus, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[correlation] = call;
        try
        {
            Send(ControllerFrames.EncodeCall(ControllerFrames.RequestFrame, correlation, (byte)type, payload));
            return await call.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return (ControllerResponseStatus.Failed, []);
        }
        finally
        {
            _calls.TryRemove(correlation, out _);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            using var client = new TcpClient { NoDelay = true };
            try
            {
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    connectTimeout.CancelAfter(TimeSpan.FromSeconds(1));
                    await client.ConnectAsync(Voter.Host, Voter.Port, connectTimeout.Token).ConfigureAwait(false);
                }

                var stream = client.GetStream();
                using var connection = CancellationTokenSource.CreateLinkedTokenSource(token);
                var reader = ReadResponsesAsync(stream, connection.Token);
                try
                {
                    while (await _queue.Reader.WaitToReadAsync(connection.Token).ConfigureAwait(false))
                    {
                        if (reader.IsCompleted)
                        {
                            break;
                        }

                        while (_queue.Reader.TryRead(out var frame))
                        {
                            await stream.WriteAsync(frame, connection.Token).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    await connection.CancelAsync().ConfigureAwait(false);
                    client.Close();
                    try
                    {
                        await reader.ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or InvalidDataException or ObjectDisposedException)
                    {
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                if (!token.IsCancellationRequested)
                {
                    _logger.LogDebug("Controller connection to node {Node} failed: {Reason}", Voter.Id, e.Message);
                }
            }

            FailPendingCalls();
            if (!token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(100, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        FailPendingCalls();
    }

    private async Task ReadResponsesAsync(Stream stream, CancellationToken token)
    {
        var header = new byte[4];
        while (await ControllerStreams.ReadFrameAsync(stream, header, token).ConfigureAwait(false) is { } body)
        {
            if (body.Length >= 6 && body[0] == ControllerFrames.ResponseFrame)
            {
                var correlation = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1));
                if (_calls.TryRemove(correlation, out var call))
                {
                    call.TrySetResult(((ControllerResponseStatus)body[5], body[6..]));
                }
            }
        }
    }

    private void FailPendingCalls()
    {
        foreach (var (correlation, call) in _calls)
        {
            if (_calls.TryRemove(correlation, out _))
            {
                call.TrySetResult((ControllerResponseStatus.Failed, []));
            }
        }
    }
}
