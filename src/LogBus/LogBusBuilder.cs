using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using LogBus.Internal;
using LogBus.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogBus;

/// <summary>
/// Configures the bus inside <see cref="LogBusServiceCollectionExtensions.AddLogBus"/>: consumers,
/// message-to-topic mapping, serialization and the transport.
/// </summary>
public sealed class LogBusBuilder
{
    private readonly LogBusConfiguration _configuration;

    internal LogBusBuilder(IServiceCollection services, LogBusConfiguration configuration)
    {
        Services = services;
        _configuration = configuration;
    }

    internal LogBusConfiguration Configuration => _configuration;

    /// <summary>The application's services, for transports and extensions that register their own.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The service name, the first part of default consumer group ids.</summary>
    /// <remarks>Defaults to the kebab-case host application name (or entry assembly name).</remarks>
    public string? ServiceName
    {
        get => _configuration.ServiceName;
        set => _configuration.ServiceName = value;
    }

    /// <summary>Partitions of topics LogBus creates when the message type sets none.</summary>
    /// <remarks>Defaults to 8.</remarks>
    public int DefaultPartitions
    {
        get => _configuration.DefaultPartitions;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _configuration.DefaultPartitions = value;
        }
    }

    /// <summary>How long stopping the host waits for in-flight handlers before cancelling them.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan ShutdownTimeout
    {
        get => _configuration.ShutdownTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _configuration.ShutdownTimeout = value;
        }
    }

    /// <summary>Registers a consumer class (one consumer group) with default options.</summary>
    public LogBusBuilder AddConsumer<TConsumer>() where TConsumer : class => AddConsumer(typeof(TConsumer), null);

    /// <summary>Registers a consumer class (one consumer group) and configures it.</summary>
    public LogBusBuilder AddConsumer<TConsumer>(Action<ConsumerOptions> configure) where TConsumer : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddConsumer(typeof(TConsumer), configure);
    }

    /// <summary>
    /// Registers every public or internal non-abstract class of <paramref name="assembly"/> that implements
    /// <see cref="IConsumer{T}"/>, each with default options (plus <paramref name="configure"/>).
    /// </summary>
    public LogBusBuilder AddConsumers(Assembly assembly, Action<ConsumerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            if (ConsumerRegistration.GetMessageTypes(type).Count > 0 && !_configuration.Consumers.Any(c => c.ConsumerType == type))
            {
                AddConsumer(type, configure);
            }
        }
        return this;
    }

    /// <summary>
    /// Registers a saga (a class deriving from <see cref="Saga{TState}"/>): one consumer group for the
    /// messages it declares. Unless configured otherwise with <see cref="Message{T}"/>, those messages go
    /// to one topic named after the saga (<c>OrderSaga</c> → <c>order-saga</c>) keyed by their
    /// correlation id, so all events of one instance land in one partition and are handled in the order
    /// they were published. (Messages on different topics have no order relative to each other.)
    /// </summary>
    /// <remarks>State is kept in memory unless a store is chosen (the EF Core package: <c>s.UseEntityFramework&lt;TDbContext&gt;()</c>).</remarks>
    public LogBusBuilder AddSaga<TSaga>(Action<SagaOptions>? configure = null) where TSaga : class
    {
        var stateType = SagaStateType(typeof(TSaga))
            ?? throw new ArgumentException($"{typeof(TSaga).FullName} does not derive from Saga<TState>.", nameof(TSaga));
        if (_configuration.Sagas.Any(s => s.SagaType == typeof(TSaga)))
        {
            throw new InvalidOperationException($"Saga {typeof(TSaga).FullName} is registered twice; register each saga once.");
        }
        var options = new SagaOptions();
        configure?.Invoke(options);
        SagaRegistration saga;
        try
        {
            saga = (SagaRegistration)Activator.CreateInstance(typeof(SagaRegistration<,>).MakeGenericType(typeof(TSaga), stateType), options)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
        _configuration.Sagas.Add(saga);
        var messageTypes = saga.Messages.Select(m => m.MessageType).ToArray();
        foreach (var messageType in messageTypes)
        {
            _configuration.GetOrAddMessage(messageType);
        }
        var createInvoker = (Func<MessageMetadata, MessageInvoker>)Delegate.CreateDelegate(typeof(Func<MessageMetadata, MessageInvoker>), saga,
            saga.GetType().GetMethod("CreateInvoker")!);
        _configuration.Consumers.Add(new ConsumerRegistration(typeof(TSaga), messageTypes, options.ConfigureConsumer)
        {
            InvokerFactory = createInvoker,
            OnValidate = configuration =>
            {
                // One topic, keyed by correlation id, unless the application chose a topic or key.
                foreach (var message in saga.Messages)
                {
                    var messageConfiguration = configuration.GetOrAddMessage(message.MessageType);
                    messageConfiguration.Topic ??= MessageNames.KebabCase(typeof(TSaga));
                    messageConfiguration.KeySelector ??= Activator.CreateInstance(
                        typeof(KeySelector<,>).MakeGenericType(message.MessageType, typeof(object)), message.TypedCorrelate);
                }
            },
        });
        Services.AddTransient(typeof(TSaga));
        Services.TryAddSingleton<InMemorySagaStore>();
        if (_configuration.Sagas.Count == 1)
        {
            Services.AddHostedService<SagaScheduler>();
        }
        return this;
    }

    private static Type? SagaStateType(Type type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(Saga<>))
            {
                return current.GetGenericArguments()[0];
            }
        }
        return null;
    }

    /// <summary>Configures defaults applied to every consumer before its own configuration.</summary>
    public LogBusBuilder ConfigureConsumers(Action<ConsumerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configuration.ConsumerDefaults += configure;
        return this;
    }

    /// <summary>Maps a message type onto the log: topic, partition key, partitions, type name.</summary>
    public LogBusBuilder Message<T>(Action<MessageConfigurator<T>> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(new MessageConfigurator<T>(_configuration.GetOrAddMessage(typeof(T))));
        return this;
    }

    /// <summary>Uses System.Text.Json with the given options (e.g. with a source-generated resolver).</summary>
    public LogBusBuilder UseSystemTextJson(JsonSerializerOptions options) =>
        UseSerializer(new SystemTextJsonMessageSerializer(options));

    /// <summary>Uses System.Text.Json with a source-generated context.</summary>
    public LogBusBuilder UseSystemTextJson(JsonSerializerContext context) =>
        UseSerializer(new SystemTextJsonMessageSerializer(context));

    /// <summary>Replaces the message serializer.</summary>
    public LogBusBuilder UseSerializer(IMessageSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        _configuration.Serializer = serializer;
        return this;
    }

    /// <summary>
    /// Selects the transport. Transports call this from their own extension method
    /// (<c>UsingInMemory</c>, <c>UsingKafka</c>, <c>UsingEmbeddedBroker</c>); a bus has exactly one.
    /// </summary>
    public LogBusBuilder UseTransport(Func<IServiceProvider, ITransport> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_configuration.TransportFactory is not null)
        {
            throw new InvalidOperationException("A transport is already selected for this bus; call only one of UsingInMemory, UsingKafka or UsingEmbeddedBroker.");
        }
        _configuration.TransportFactory = factory;
        return this;
    }

    private LogBusBuilder AddConsumer(Type consumerType, Action<ConsumerOptions>? configure)
    {
        if (_configuration.Consumers.Any(c => c.ConsumerType == consumerType))
        {
            throw new InvalidOperationException($"Consumer {consumerType.FullName} is registered twice; register each consumer once.");
        }
        var messageTypes = ConsumerRegistration.GetMessageTypes(consumerType);
        if (messageTypes.Count == 0)
        {
            throw new ArgumentException($"{consumerType.FullName} does not implement IConsumer<T> for any message type.", nameof(consumerType));
        }
        foreach (var messageType in messageTypes)
        {
            _configuration.GetOrAddMessage(messageType);
        }
        _configuration.Consumers.Add(new ConsumerRegistration(consumerType, messageTypes, configure));
        // Transient: resolved once per message scope anyway, and a non-disposable transient is not
        // tracked by the scope, which keeps per-message scopes cheap.
        Services.AddTransient(consumerType);
        return this;
    }
}
