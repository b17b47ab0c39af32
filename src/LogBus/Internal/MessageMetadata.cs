using System.Buffers;
using System.Text;

namespace LogBus.Internal;

/// <summary>
/// Frozen facts about one message type on one bus: its stable name, topic, partitions and key. Created
/// once per type by <see cref="MessageRegistry"/>; immutable except for the topic-ensured cache.
/// </summary>
internal abstract class MessageMetadata
{
    private Task? _ensureTopic;

    protected MessageMetadata(Type clrType, string name, string topic, int partitions)
    {
        ClrType = clrType;
        Name = name;
        NameUtf8 = Encoding.UTF8.GetBytes(name);
        Topic = topic;
        Partitions = partitions;
    }

    public Type ClrType { get; }

    /// <summary>The value of the <c>message-type</c> header.</summary>
    public string Name { get; }

    public byte[] NameUtf8 { get; }

    public string Topic { get; }

    public int Partitions { get; }

    /// <summary>Serializes a message whose static type is not this metadata's type (polymorphic publish).</summary>
    public abstract void SerializeObject(IMessageSerializer serializer, object message, IBufferWriter<byte> output);

    /// <summary>Deserializes a message of this type as object.</summary>
    public abstract object DeserializeObject(IMessageSerializer serializer, ReadOnlySpan<byte> data);

    /// <summary>Writes the key of a message given as object; false when it has none.</summary>
    public abstract bool TryWriteKeyObject(object message, ArrayBufferWriter<byte> output);

    /// <summary>Reads the correlation id convention property (<c>CorrelationId</c>) when the type has one.</summary>
    public abstract Guid? GetCorrelationIdObject(object message);

    /// <summary>The topic creation for this type; started once, retried when it failed.</summary>
    public Task EnsureTopicAsync(Func<MessageMetadata, Task> ensure)
    {
        var task = _ensureTopic;
        if (task is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            var created = ensure(this);
            task = Interlocked.CompareExchange(ref _ensureTopic, created, task) == task ? created : _ensureTopic!;
        }
        return task;
    }
}

/// <summary>Metadata of <typeparamref name="T"/> with its typed key selector.</summary>
internal sealed class MessageMetadata<T>(string name, string topic, int partitions, KeySelector<T>? keySelector)
    : MessageMetadata(typeof(T), name, topic, partitions)
{
    private static readonly Func<T, Guid?>? s_correlationId = CorrelationIdAccessor.Create<T>();

    public KeySelector<T>? KeySelector { get; } = keySelector;

    public bool TryWriteKey(T message, ArrayBufferWriter<byte> output) =>
        KeySelector is not null && KeySelector.TryWriteKey(message, output);

    public static Guid? GetCorrelationId(T message) => s_correlationId?.Invoke(message);

    public override void SerializeObject(IMessageSerializer serializer, object message, IBufferWriter<byte> output) =>
        serializer.Serialize((T)message, output);

    public override bool TryWriteKeyObject(object message, ArrayBufferWriter<byte> output) => TryWriteKey((T)message, output);

    public override object DeserializeObject(IMessageSerializer serializer, ReadOnlySpan<byte> data) => serializer.Deserialize<T>(data)!;

    public override Guid? GetCorrelationIdObject(object message) => GetCorrelationId((T)message);
}
