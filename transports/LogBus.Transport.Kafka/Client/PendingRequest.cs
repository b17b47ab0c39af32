using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A request sent on a <see cref="KafkaConnection"/> whose response has not arrived yet. Responses on a
/// Kafka connection come back in request order, so pending requests form a FIFO queue.
/// </summary>
internal sealed class PendingRequest(ApiKey apiKey, short version, int correlationId, bool rentFrame)
    : TaskCompletionSource<ResponseFrame>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public ApiKey ApiKey { get; } = apiKey;

    public short Version { get; } = version;

    public int CorrelationId { get; } = correlationId;

    /// <summary>
    /// True when the response frame is decoded from a pooled buffer handed to the caller
    /// (<see cref="ResponseFrame.Dispose"/> returns it); otherwise the frame is a fresh array that the
    /// decoded response may slice freely.
    /// </summary>
    public bool RentFrame { get; } = rentFrame;

    /// <summary>Decodes the response to <paramref name="pending"/> from its frame body.</summary>
    public static KafkaResponse Decode(PendingRequest pending, ReadOnlyMemory<byte> body)
    {
        var reader = new KafkaReader(body);
        var header = ResponseHeader.Read(ref reader, ApiVersionTable.ResponseHeaderVersion(pending.ApiKey, pending.Version));
        if (header.CorrelationId != pending.CorrelationId)
        {
            throw new KafkaProtocolException($"Response correlation id {header.CorrelationId} does not match the oldest pending request's {pending.CorrelationId} ({pending.ApiKey}).");
        }
        return KafkaResponse.Read(pending.ApiKey, pending.Version, ref reader);
    }
}
