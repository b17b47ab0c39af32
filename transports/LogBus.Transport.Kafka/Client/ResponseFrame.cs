using System.Buffers;
using LogBus.Protocol.Messages;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A decoded response and, for requests sent with a pooled frame, the buffer its byte fields slice.
/// Dispose returns that buffer: the response's record sets are invalid afterwards.
/// </summary>
internal sealed class ResponseFrame(KafkaResponse response, byte[]? rented) : IDisposable
{
    public KafkaResponse Response { get; } = response;

    public void Dispose()
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
            rented = null;
        }
    }
}
