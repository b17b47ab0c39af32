using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server;

/// <summary>Typed base of an <see cref="IRequestHandler"/>: the request arrives already cast.</summary>
/// <typeparam name="TRequest">The request message type of <see cref="ApiKey"/>.</typeparam>
internal abstract class RequestHandler<TRequest> : IRequestHandler
    where TRequest : KafkaRequest
{
    /// <inheritdoc/>
    public abstract ApiKey ApiKey { get; }

    /// <inheritdoc/>
    public ValueTask<KafkaResponse?> HandleAsync(RequestContext context, KafkaRequest request) => HandleAsync(context, (TRequest)request);

    /// <summary>Handles the request; see <see cref="IRequestHandler.HandleAsync"/>.</summary>
    protected abstract ValueTask<KafkaResponse?> HandleAsync(RequestContext context, TRequest request);

    /// <summary>A completed response (the common, synchronous case).</summary>
    protected static ValueTask<KafkaResponse?> Done(KafkaResponse response) => ValueTask.FromResult<KafkaResponse?>(response);
}
