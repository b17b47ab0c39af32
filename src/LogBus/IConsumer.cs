namespace LogBus;

/// <summary>
/// Handles messages of type <typeparamref name="T"/>. Register with
/// <see cref="LogBusBuilder.AddConsumer{TConsumer}()"/>. A consumer class may implement
/// <see cref="IConsumer{T}"/> for several message types; one registration is one consumer group.
/// </summary>
/// <remarks>
/// Lifecycle: resolved from a new dependency-injection scope for every message (and every retry), so it
/// may depend on scoped services such as a DbContext. Handlers must be idempotent under at-least-once
/// delivery, or use the inbox.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public interface IConsumer<in T>
{
    /// <summary>
    /// Handles one message. Returning completes it (its offset becomes committable); throwing makes the
    /// consumer retry it per the retry policy and then dead-letter it.
    /// </summary>
    Task Consume(ConsumeContext<T> context);
}
