namespace LogBus.Transport;

/// <summary>
/// A log: topics split into partitions of append-only records addressed by offset, with consumer
/// groups. LogBus runs on any implementation (in-memory, Kafka protocol); the transport compliance suite
/// defines the behaviour every implementation must show.
/// </summary>
/// <remarks>
/// Lifecycle: created by the bus from its registration, started once with <see cref="StartAsync"/>
/// before any other call, disposed when the host stops (after every consumer has been disposed).
/// </remarks>
public interface ITransport : IAsyncDisposable
{
    /// <summary>A short name for logs and diagnostics, e.g. <c>in-memory</c> or <c>kafka</c>.</summary>
    string Name { get; }

    /// <summary>Connects and prepares; idempotent.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates the topic when it does not exist. An existing topic is left as it is and its actual number
    /// of partitions returned.
    /// </summary>
    Task<int> EnsureTopicAsync(TopicSpecification topic, CancellationToken cancellationToken);

    /// <summary>The shared, thread-safe producer.</summary>
    ITransportProducer Producer { get; }

    /// <summary>Creates a new member of a consumer group; the caller owns and disposes it.</summary>
    ITransportConsumer CreateConsumer(ConsumerSpecification specification);
}
