using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>The context of a consumed message of type <typeparamref name="T"/>.</summary>
internal sealed class MessageContext<T>(LogRecord record, string messageType, string groupId, T message)
    : MessageContext(record, messageType, groupId), ConsumeContext<T>
{
    public T Message { get; } = message;

    public override object MessageObject => Message!;
}
