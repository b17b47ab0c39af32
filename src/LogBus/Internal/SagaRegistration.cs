using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>A registered saga type: its declared messages, handler methods, options and store.</summary>
internal abstract class SagaRegistration(Type sagaType, SagaOptions options)
{
    private ISagaStore? _store;

    public Type SagaType { get; } = sagaType;

    /// <summary>The saga's stable name in the store (its full type name).</summary>
    public string Name { get; } = MessageNames.DefaultTypeName(sagaType);

    public SagaOptions Options { get; } = options;

    public abstract IReadOnlyList<SagaMessageDefinition> Messages { get; }

    /// <summary>The store, created once from the application's services.</summary>
    public ISagaStore Store(IServiceProvider services) =>
        _store ??= Options.StoreFactory?.Invoke(services) ?? services.GetRequiredService<InMemorySagaStore>();
}

/// <summary>The registration of <typeparamref name="TSaga"/>.</summary>
internal sealed class SagaRegistration<TSaga, TState> : SagaRegistration
    where TSaga : Saga<TState>
    where TState : class, new()
{
    private readonly Dictionary<Type, Delegate> _handlers = [];
    private readonly List<SagaMessageDefinition> _messages;

    public SagaRegistration(SagaOptions options) : base(typeof(TSaga), options)
    {
        // Define declares only: it runs on an instance whose constructor did not run.
        var definition = new SagaDefinition<TState>();
        ((TSaga)RuntimeHelpers.GetUninitializedObject(typeof(TSaga))).DefineMessages(definition);
        if (definition.Messages.Count == 0)
        {
            throw new InvalidOperationException($"Saga {typeof(TSaga).Name} declares no messages: call saga.StartedBy<T>() / saga.Handles<T>() in Define.");
        }
        if (!definition.Messages.Any(m => m.Starts))
        {
            throw new InvalidOperationException($"Saga {typeof(TSaga).Name} declares no message that starts an instance (StartedBy<T>).");
        }
        _messages = definition.Messages;
        foreach (var message in _messages)
        {
            var method = typeof(TSaga).GetMethod("Handle", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance,
                [message.MessageType, typeof(SagaContext<TState>)])
                ?? throw new InvalidOperationException(
                    $"Saga {typeof(TSaga).Name} declares {message.MessageType.Name} but has no method Task Handle({message.MessageType.Name} message, SagaContext<{typeof(TState).Name}> context).");
            if (method.ReturnType != typeof(Task))
            {
                throw new InvalidOperationException($"Saga {typeof(TSaga).Name}.Handle({message.MessageType.Name}, ...) must return Task.");
            }
            var delegateType = typeof(Func<,,,>).MakeGenericType(typeof(TSaga), message.MessageType, typeof(SagaContext<TState>), typeof(Task));
            _handlers[message.MessageType] = method.CreateDelegate(delegateType);
        }
    }

    public override IReadOnlyList<SagaMessageDefinition> Messages => _messages;

    public Func<TSaga, TMessage, SagaContext<TState>, Task> HandlerFor<TMessage>() =>
        (Func<TSaga, TMessage, SagaContext<TState>, Task>)_handlers[typeof(TMessage)];

    public SagaMessageDefinition DefinitionOf(Type messageType) => _messages.First(m => m.MessageType == messageType);

    public MessageInvoker CreateInvoker(MessageMetadata metadata) =>
        (MessageInvoker)Activator.CreateInstance(typeof(SagaMessageInvoker<,,>).MakeGenericType(typeof(TSaga), typeof(TState), metadata.ClrType), metadata, this)!;
}
