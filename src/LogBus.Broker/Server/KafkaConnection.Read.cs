using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server;

internal sealed partial class KafkaConnection
{
    private async Task ReadLoopAsync()
    {
        var stream = new NetworkStream(_socket, ownsSocket: false);
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        var token = _stopReading.Token;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(token).ConfigureAwait(false);
                var receivedAt = Stopwatch.GetTimestamp();
                var buffer = result.Buffer;
                var stop = false;
                try
                {
                    while (!stop && FrameReader.TryReadFrame(ref buffer, _options.MaxRequestSize, out var frame))
                    {
                        var size = (int)frame.Length;
                        await AdmitAsync(size, token).ConfigureAwait(false);
                        var pending = Dispatch(frame, size, receivedAt, out stop);
                        if (pending is { } p)
                        {
                            await EnqueueAsync(p, token).ConfigureAwait(false);
                        }
                        else
                        {
                            ReleaseBytes(size);
                        }
                    }
                    if (!stop && result.IsCompleted)
                    {
                        if (buffer.Length > 0)
                        {
                            _logger.LogInformation("Connection {Id} from {Remote} closed in the middle of a request ({Bytes} bytes of an incomplete frame)", Id, RemoteEndPoint, buffer.Length);
                        }
                        stop = true;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (stop)
                {
                    return;
                }
            }
        }
        catch (KafkaProtocolException e)
        {
            // Only framing throws here: a negative or oversized size prefix. The stream cannot be resynchronised.
            _logger.LogWarning("Closing connection {Id} from {Remote}: {Reason} (max.request.size is {Max} bytes)", Id, RemoteEndPoint, e.Message, _options.MaxRequestSize);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("Connection {Id} from {Remote}: read failed: {Reason}", Id, RemoteEndPoint, e.Message);
        }
        finally
        {
            _pending.Writer.TryComplete();
            await input.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask EnqueueAsync(PendingResponse pending, CancellationToken token)
    {
        if (_pending.Writer.TryWrite(pending))
        {
            return;
        }
        Interlocked.Increment(ref _backpressureWaits);
        try
        {
            await _pending.Writer.WriteAsync(pending, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            await AbandonAsync(pending).ConfigureAwait(false);
            throw new OperationCanceledException("Connection stopping", e);
        }
    }

    /// <summary>
    /// Decodes one frame and starts its handler (synchronously, so handlers begin in request order).
    /// Returns the pending response, or null when nothing is to be answered; <paramref name="stop"/>
    /// tells the read loop to stop after a protocol violation (already logged).
    /// </summary>
    private PendingResponse? Dispatch(ReadOnlySequence<byte> frame, int size, long receivedAt, out bool stop)
    {
        stop = false;
        var buffer = FrameBufferPool.Shared.Rent(Math.Max(size, 1));
        frame.CopyTo(buffer);
        var memory = buffer.AsMemory(0, size);
        var reader = new KafkaReader(memory);
        RequestHeader header;
        try
        {
            header = RequestHeader.Read(ref reader);
        }
        catch (KafkaProtocolException e)
        {
            FrameBufferPool.Shared.Return(buffer);
            _logger.LogWarning("Closing connection {Id} from {Remote}: unreadable request header ({Bytes} bytes): {Reason}", Id, RemoteEndPoint, size, e.Message);
            stop = true;
            return null;
        }
        var handler = _handlers.Get(header.ApiKey);
        var support = ApiVersionTable.Check(header.ApiKey, header.ApiVersion);
        if (handler is null || support == ApiSupport.UnknownApiKey)
        {
            FrameBufferPool.Shared.Return(buffer);
            _logger.LogWarning("Closing connection {Id} from {Remote}: unknown or unsupported API key {ApiKey} in {Request}", Id, RemoteEndPoint, (short)header.ApiKey, Describe(header));
            stop = true;
            return null;
        }
        var context = new RequestContext(header, _services, RemoteEndPoint, receivedAt, _requests.Token);
        if (support == ApiSupport.UnsupportedVersion)
        {
            FrameBufferPool.Shared.Return(buffer);
            if (header.ApiKey == ApiKey.ApiVersions)
            {
                // Clients probe with their newest ApiVersions: answer in v0 with our ranges so they can retry.
                var response = new ApiVersionsResponse { ErrorCode = ErrorCode.UnsupportedVersion };
                response.ApiKeys.AddRange(_handlers.Advertised);
                return new PendingResponse(context, ValueTask.FromResult<KafkaResponse?>(response), 0, null, size);
            }
            _logger.LogWarning("Closing connection {Id} from {Remote}: unsupported version in {Request}", Id, RemoteEndPoint, Describe(header));
            stop = true;
            return null;
        }
        KafkaRequest request;
        try
        {
            request = KafkaRequest.Read(header.ApiKey, header.ApiVersion, ref reader);
        }
        catch (KafkaProtocolException e)
        {
            FrameBufferPool.Shared.Return(buffer);
            _logger.LogWarning("Closing connection {Id} from {Remote}: malformed {Request}: {Reason}", Id, RemoteEndPoint, Describe(header), e.Message);
            stop = true;
            return null;
        }
        ValueTask<KafkaResponse?> task;
        var handlerStart = Stopwatch.GetTimestamp();
        try
        {
            task = handler.HandleAsync(context, request);
        }
        catch (Exception e)
        {
            task = ValueTask.FromException<KafkaResponse?>(e);
        }
        _handlerTimes.Record(header.ApiKey, handlerStart);
        return new PendingResponse(context, task, header.ApiVersion, buffer, size);
    }
}
