namespace LogBus.Internal;

/// <summary>
/// The message whose consumer is being created on this thread. The dispatcher sets it while it resolves
/// the consumer from the message's scope, so a scoped <see cref="IPublisher"/> created for that consumer
/// (constructor injection) captures the message it publishes for. A thread-static costs nothing; an
/// async-local would cost two execution-context allocations per message.
/// </summary>
internal static class ConsumeScope
{
    [ThreadStatic]
    private static MessageContext? t_current;

    public static MessageContext? Current
    {
        get => t_current;
        set => t_current = value;
    }
}
