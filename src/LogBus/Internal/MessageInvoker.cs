using LogBus.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace LogBus.Internal;

/// <summary>Deserializes records of one message type and calls a consumer's <see cref="IConsumer{T}"/>.</summary>
internal abstract class MessageInvoker(MessageMetadata metadata, Type consumerType)
{
    public MessageMetadata Metadata { get; } = metadata;

    public Type ConsumerType { get; } = consumerType;

    public static MessageInvoker Create(MessageMetadata metadata, Type consumerType) =>
        (MessageInvoker)Activator.CreateInstance(typeof(MessageInvoker<>).MakeGenericType(metadata.ClrType), metadata, consumerType)!;

    /// <summary>Deserializes the record into a context. Throws <see cref="MessageSerializationException"/>.</summary>
    public abstract MessageContext CreateContext(LogRecord record, string groupId, IMessageSerializer serializer);

    /// <summary>Resolves the consumer from the attempt's scope and calls it.</summary>
    public abstract Task InvokeAsync(MessageContext context, IServiceProvider services);
}

/// <summary>Deserializes records of type <typeparamref name="T"/>.</summary>
internal abstract class TypedMessageInvoker<T>(MessageMetadata metadata, Type consumerType) : MessageInvoker(metadata, consumerType)
{
    public override MessageContext CreateContext(LogRecord record, string groupId, IMessageSerializer serializer) =>
        new MessageContext<T>(record, Metadata.Name, groupId, serializer.Deserialize<T>(record.Value.Span));

    /// <summary>Resolves the handler object from the scope with the context captured for scoped publishers.</summary>
    protected static THandler Resolve<THandler>(MessageContext context, IServiceProvider services, Type type)
    {
        // A scoped IPublisher created for the handler's constructor captures the context (ConsumeScope).
        ConsumeScope.Current = context;
        try
        {
            return (THandler)services.GetRequiredService(type);
        }
        finally
        {
            ConsumeScope.Current = null;
        }
    }
}

/// <summary>The invoker of message type <typeparamref name="T"/> for an <see cref="IConsumer{T}"/>.</summary>
internal sealed class MessageInvoker<T>(MessageMetadata metadata, Type consumerType) : TypedMessageInvoker<T>(metadata, consumerType)
{
    public override Task InvokeAsync(MessageContext context, IServiceProvider services) =>
        Resolve<IConsumer<T>>(context, services, ConsumerType).Consume((ConsumeContext<T>)context) ?? Task.CompletedTask;
}
