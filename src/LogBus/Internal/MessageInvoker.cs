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

/// <summary>The invoker of message type <typeparamref name="T"/>.</summary>
internal sealed class MessageInvoker<T>(MessageMetadata metadata, Type consumerType) : MessageInvoker(metadata, consumerType)
{
    public override MessageContext CreateContext(LogRecord record, string groupId, IMessageSerializer serializer) =>
        new MessageContext<T>(record, Metadata.Name, groupId, serializer.Deserialize<T>(record.Value.Span));

    public override Task InvokeAsync(MessageContext context, IServiceProvider services)
    {
        // A scoped IPublisher created for the consumer's constructor captures the context (ConsumeScope).
        IConsumer<T> consumer;
        ConsumeScope.Current = context;
        try
        {
            consumer = (IConsumer<T>)services.GetRequiredService(ConsumerType);
        }
        finally
        {
            ConsumeScope.Current = null;
        }
        return consumer.Consume((ConsumeContext<T>)context) ?? Task.CompletedTask;
    }
}
