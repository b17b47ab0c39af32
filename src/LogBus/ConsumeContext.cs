using LogBus.Transport;

namespace LogBus;

/// <summary>
/// What a handler knows about the message it handles: envelope, position in the log, and a publisher
/// that carries correlation. See <see cref="ConsumeContext{T}"/>.
/// </summary>
/// <remarks>Valid for the duration of the handler call; do not keep it afterwards.</remarks>
#pragma warning disable CA1715 // Named like MassTransit's ConsumeContext, which users know.
public interface ConsumeContext
#pragma warning restore CA1715
{
    /// <summary>The message id (the <c>message-id</c> header; derived from the log position for records written by other producers).</summary>
    Guid MessageId { get; }

    /// <summary>The correlation id, when the publisher set one.</summary>
    Guid? CorrelationId { get; }

    /// <summary>The id of the message whose handler published this one, if any.</summary>
    Guid? CausationId { get; }

    /// <summary>The conversation this message belongs to (the id of the message that started it).</summary>
    Guid? ConversationId { get; }

    /// <summary>The stable message-type name from the envelope.</summary>
    string MessageType { get; }

    /// <summary>When the message was published, from the <c>sent-at</c> header.</summary>
    DateTimeOffset? SentTime { get; }

    /// <summary>All record headers (the envelope and any others), in wire order.</summary>
    RecordHeaders Headers { get; }

    /// <summary>The topic the message was read from.</summary>
    string Topic { get; }

    /// <summary>The partition the message was read from.</summary>
    int Partition { get; }

    /// <summary>The offset of the message in its partition.</summary>
    long Offset { get; }

    /// <summary>The record timestamp.</summary>
    DateTimeOffset Timestamp { get; }

    /// <summary>The partition key as text, or null for a message without key.</summary>
    string? Key { get; }

    /// <summary>The consumer group handling the message.</summary>
    string GroupId { get; }

    /// <summary>The attempt number: 1 for the first delivery to the handler, higher for retries.</summary>
    int Attempt { get; }

    /// <summary>Cancelled when the consumer must stop (host shutdown timeout, or the partition was taken away and its drain timed out).</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>The dependency-injection scope of this attempt.</summary>
    IServiceProvider Services { get; }

    /// <summary>The message as an object.</summary>
    object MessageObject { get; }

    /// <summary>
    /// Publishes a message caused by this one: it carries this message's correlation and conversation
    /// ids and this message's id as causation id. Uses the scope's <see cref="IPublisher"/>, so an outbox
    /// configured for the scope applies.
    /// </summary>
    Task Publish<TOut>(TOut message, CancellationToken cancellationToken = default);

    /// <summary>Publishes a message caused by this one with an explicit key and extra headers.</summary>
    Task Publish<TOut>(TOut message, string? key, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default);
}
