using System.Net.Sockets;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server;

internal sealed partial class KafkaConnection
{
    private async Task WriteLoopAsync()
    {
        var reader = _pending.Reader;
        using var output = new SegmentedBufferWriter(16 * 1024);
        using var send = new SendPacketsOperation();
        var unsent = new List<RequestContext>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var pending))
                {
                    KafkaResponse? response;
                    try
                    {
                        response = await pending.Response.ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        if (!IsAborted)
                        {
                            _logger.LogError(e, "Closing connection {Id} from {Remote}: handler for {Request} failed", Id, RemoteEndPoint, Describe(pending.Context.Header));
                        }
                        Release(pending);
                        pending.Context.DisposeResources();
                        Abort();
                        continue;
                    }
                    if (IsAborted)
                    {
                        Release(pending);
                        pending.Context.DisposeResources();
                        continue;
                    }
                    if (response is null)
                    {
                        pending.Context.DisposeResources();
                    }
                    else
                    {
                        FrameWriter.WriteResponse(output, pending.Context.Header.CorrelationId, response, pending.ResponseVersion);
                        unsent.Add(pending.Context);
                    }
                    Release(pending);
                    if (output.ExternalCount > 0 || output.InlineLength >= FlushThreshold
                        || !reader.TryPeek(out var next) || !next.Response.IsCompleted)
                    {
                        await FlushAsync(output, send, unsent).ConfigureAwait(false);
                    }
                }
            }
            await FlushAsync(output, send, unsent).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            _logger.LogDebug("Connection {Id} from {Remote}: send failed: {Reason}", Id, RemoteEndPoint, e.Message);
            Abort();
        }
        finally
        {
            foreach (var context in unsent)
            {
                context.DisposeResources();
            }
            // Requests still queued: wait for their handlers only to release their buffers and leases.
            _pending.Writer.TryComplete();
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var pending))
                {
                    await AbandonAsync(pending).ConfigureAwait(false);
                }
            }
        }
    }

    private void Release(in PendingResponse pending)
    {
        pending.ReturnFrame();
        ReleaseBytes(pending.FrameLength);
    }

    private async ValueTask AbandonAsync(PendingResponse pending)
    {
        Abort();
        try
        {
            await pending.Response.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the connection is gone; nothing to report to
        }
        Release(pending);
        pending.Context.DisposeResources();
    }

    /// <summary>Sends everything in <paramref name="output"/>: inline bytes with one send, or inline bytes and file regions with SendPacketsAsync (sendfile).</summary>
    private async ValueTask FlushAsync(SegmentedBufferWriter output, SendPacketsOperation send, List<RequestContext> unsent)
    {
        if (output.TotalLength > 0)
        {
            if (output.ExternalCount == 0)
            {
                var remaining = output.GetSegments().GetEnumerator() is var e && e.MoveNext() ? e.Current.Inline : default;
                while (remaining.Length > 0)
                {
                    var n = await _socket.SendAsync(remaining, SocketFlags.None, _abort.Token).ConfigureAwait(false);
                    remaining = remaining[n..];
                }
            }
            else
            {
                var elements = new SendPacketsElement[output.ExternalCount * 2 + 1];
                var count = 0;
                foreach (var segment in output.GetSegments())
                {
                    if (segment.External is LogReadResult region)
                    {
                        elements[count++] = new SendPacketsElement(region.File!, region.Position, region.Length);
                    }
                    else if (segment.IsExternal)
                    {
                        throw new InvalidOperationException($"Unknown external record region {segment.External!.GetType()}.");
                    }
                    else
                    {
                        elements[count++] = new SendPacketsElement(segment.Inline);
                    }
                }
                if (count < elements.Length)
                {
                    Array.Resize(ref elements, count);
                }
                await send.SendAsync(_socket, elements).ConfigureAwait(false);
            }
            output.Clear();
        }
        foreach (var context in unsent)
        {
            _requestTimes.Record(context.Header.ApiKey, context.ReceivedTimestamp);
            context.DisposeResources();
        }
        unsent.Clear();
    }
}
