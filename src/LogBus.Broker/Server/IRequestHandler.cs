using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server;

/// <summary>
/// Answers one Kafka API. One implementation per API key, registered once in
/// <see cref="RequestHandlerRegistry.CreateDefault"/>; the server only advertises (ApiVersions) and
/// dispatches APIs that have a handler.
/// </summary>
/// <remarks>
/// <para>Ordering contract: the connection calls <see cref="HandleAsync"/> on its read loop, in request
/// order, and sends the responses in request order. Work done before the handler's first real await
/// (for Produce: the append) therefore happens in request order per connection; the rest may overlap
/// with later requests (long-poll fetches, fsync waits).</para>
/// <para>Failures: translate expected failures into Kafka error codes in the response. An exception
/// escaping the handler closes the connection (and is logged as a bug).</para>
/// </remarks>
internal interface IRequestHandler
{
    /// <summary>The API this handler answers.</summary>
    ApiKey ApiKey { get; }

    /// <summary>
    /// Handles a decoded request. Returns the response (encoded in the request's version), or null
    /// when nothing is sent back (Produce with acks=0).
    /// </summary>
    ValueTask<KafkaResponse?> HandleAsync(RequestContext context, KafkaRequest request);
}
