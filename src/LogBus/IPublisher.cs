namespace LogBus;

/// <summary>
/// Publishes messages to their topics. Scoped: inside a consumer the scope's publisher carries the
/// consumed message's correlation and conversation ids and sets it as the cause of what it publishes.
/// </summary>
public interface IPublisher
{
    /// <summary>
    /// Publishes <paramref name="message"/> to the topic configured for <typeparamref name="T"/>, keyed by
    /// the configured key selector. Completes when the transport has accepted the message (or, inside an
    /// outbox unit of work, when it has been added to the outbox).
    /// </summary>
    /// <exception cref="MessageSerializationException">The message cannot be serialized.</exception>
    Task Publish<T>(T message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes with an explicit partition key (overriding the key selector; null means no key) and
    /// extra headers added to the envelope.
    /// </summary>
    Task Publish<T>(T message, string? key, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes several messages; each goes to its key's partition, in the order given per key. The
    /// transport may send them together. Completes when all were accepted.
    /// </summary>
    Task PublishBatch<T>(IEnumerable<T> messages, CancellationToken cancellationToken = default);
}
