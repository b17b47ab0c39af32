namespace LogBus;

/// <summary>The context of a message of type <typeparamref name="T"/> being handled.</summary>
/// <typeparam name="T">The message type.</typeparam>
#pragma warning disable CA1715 // Named like MassTransit's ConsumeContext<T>, which users know.
public interface ConsumeContext<out T> : ConsumeContext
#pragma warning restore CA1715
{
    /// <summary>The deserialized message.</summary>
    T Message { get; }
}
