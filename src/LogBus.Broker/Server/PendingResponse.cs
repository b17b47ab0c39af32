using System.Buffers;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server;

/// <summary>
/// A request read from a connection whose response has not been written yet. The write loop takes
/// these in request order, awaits <see cref="Response"/> exactly once, encodes and sends it, then
/// returns the frame buffer.
/// </summary>
/// <param name="Context">The request's context (header, leases to release after the send).</param>
/// <param name="Response">The handler's pending answer; null result means "send nothing".</param>
/// <param name="ResponseVersion">Version the response is encoded in (0 for an unsupported-version ApiVersions answer).</param>
/// <param name="Frame">The pooled frame buffer the request was decoded from (its byte fields point into it).</param>
/// <param name="FrameLength">Bytes of <paramref name="Frame"/> in use (counted against the connection's in-flight bytes).</param>
internal readonly record struct PendingResponse(RequestContext Context, ValueTask<KafkaResponse?> Response, short ResponseVersion, byte[]? Frame, int FrameLength)
{
    /// <summary>Returns the frame buffer to the pool. Call once, after the response is encoded (or abandoned).</summary>
    public void ReturnFrame()
    {
        if (Frame is not null)
        {
            FrameBufferPool.Shared.Return(Frame);
        }
    }
}
