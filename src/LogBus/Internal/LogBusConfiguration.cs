using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>Everything <see cref="LogBusBuilder"/> collected; a singleton read by the runtime.</summary>
internal sealed class LogBusConfiguration
{
    public string? ServiceName { get; set; }
    public int DefaultPartitions { get; set; } = 8;
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public List<ConsumerRegistration> Consumers { get; } = [];
    public List<SagaRegistration> Sagas { get; } = [];
    public Dictionary<Type, MessageConfiguration> Messages { get; } = [];
    public Action<ConsumerOptions>? ConsumerDefaults { get; set; }
    public IMessageSerializer? Serializer { get; set; }
    public Func<IServiceProvider, ITransport>? TransportFactory { get; set; }

    /// <summary>Filters around every consumer's handler (inside the consumer's own filters' order: these run outermost).</summary>
    public List<Type> GlobalFilters { get; } = [];

    /// <summary>Extensions (the EF Core outbox) that need the configuration object after AddLogBus.</summary>
    public Dictionary<Type, object> Extensions { get; } = [];

    public MessageConfiguration GetOrAddMessage(Type type)
    {
        if (!Messages.TryGetValue(type, out var message))
        {
            if (type.IsGenericTypeDefinition || type.IsAbstract && !type.IsInterface && type.IsSealed)
            {
                throw new ArgumentException($"{type} cannot be a message type.", nameof(type));
            }
            Messages[type] = message = new MessageConfiguration(type);
        }
        return message;
    }

    public void Validate()
    {
        if (TransportFactory is null)
        {
            throw new InvalidOperationException(
                "No transport is selected for LogBus. Inside AddLogBus(bus => ...) call bus.UsingInMemory() for tests " +
                "and development, bus.UsingEmbeddedBroker(...) to run the bundled broker in-process, or " +
                "bus.UsingKafka(k => k.BootstrapServers = \"host:9092\") for a broker cluster.");
        }
        var names = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var message in Messages.Values)
        {
            var name = message.Name ?? MessageNames.DefaultTypeName(message.ClrType);
            if (names.TryGetValue(name, out var other))
            {
                throw new InvalidOperationException(
                    $"Message types {other.FullName} and {message.ClrType.FullName} share the message-type name '{name}'; give one a distinct name with bus.Message<T>(m => m.Name(\"...\")).");
            }
            names[name] = message.ClrType;
        }
        foreach (var consumer in Consumers)
        {
            consumer.OnValidate?.Invoke(this);
        }
        foreach (var consumer in Consumers)
        {
            var options = new ConsumerOptions();
            ConsumerDefaults?.Invoke(options);
            consumer.Configure?.Invoke(options);
            options.Validate(consumer.ConsumerType.Name);
            consumer.Options = options;
        }
    }
}
