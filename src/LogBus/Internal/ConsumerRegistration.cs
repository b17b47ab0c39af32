namespace LogBus.Internal;

/// <summary>A consumer class registered with the builder: one consumer group.</summary>
internal sealed class ConsumerRegistration(Type consumerType, IReadOnlyList<Type> messageTypes, Action<ConsumerOptions>? configure)
{
    public Type ConsumerType { get; } = consumerType;

    /// <summary>Every T for which the class implements <see cref="IConsumer{T}"/>.</summary>
    public IReadOnlyList<Type> MessageTypes { get; } = messageTypes;

    public Action<ConsumerOptions>? Configure { get; } = configure;

    /// <summary>Creates the invoker per message type; null for plain consumers (sagas supply their own).</summary>
    public Func<MessageMetadata, MessageInvoker>? InvokerFactory { get; init; }

    /// <summary>Runs when the configuration is validated (sagas set default keys here).</summary>
    public Action<LogBusConfiguration>? OnValidate { get; init; }

    /// <summary>The resolved options (set when the configuration is validated).</summary>
    public ConsumerOptions Options { get; set; } = new();

    /// <summary>The kebab-case consumer name, the second part of the default group id.</summary>
    public string Name { get; } = MessageNames.KebabCase(consumerType);

    public static IReadOnlyList<Type> GetMessageTypes(Type consumerType) =>
        consumerType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0])
            .ToArray();
}
