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
    private readonly Lock _slowGate = new();
    private Task _slowTail = Task.CompletedTask;
    private int _slowPending;

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

    /// <summary>True while sends of this type wait on the slow path; later sends must queue behind them.</summary>
    public bool HasPendingSlowSends => Volatile.Read(ref _slowPending) > 0;

    /// <summary>
    /// Enters the slow path: returns the task of the previous slow send (completes once that send handed
    /// its record to the transport, or gave up) and this send's own signal for the next one.
    /// </summary>
    public (Task Previous, TaskCompletionSource Issued) EnterSlowSend()
    {
        var issued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_slowGate)
        {
            var previous = _slowTail;
            _slowTail = issued.Task;
            _slowPending++;
            return (previous, issued);
        }
    }

    /// <summary>Leaves the slow path (after handing the record to the transport, or failing).</summary>
    public void ExitSlowSend(TaskCompletionSource issued)
    {
        lock (_slowGate)
        {
            _slowPending--;
        }
        issued.TrySetResult();
    }

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
