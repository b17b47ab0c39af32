using System.Collections.Concurrent;

namespace LogBus.Internal;

/// <summary>
/// Message types known to one bus, by CLR type (publishing) and by message-type name (consuming).
/// Types configured with <see cref="LogBusBuilder.Message{T}"/> or consumed by a consumer are known at
/// start; any other published type is added on first use with the defaults.
/// </summary>
internal sealed class MessageRegistry
{
    private readonly LogBusConfiguration _configuration;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, MessageMetadata> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, MessageMetadata> _byType = new();
    private MessageMetadata?[] _byId = new MessageMetadata?[16];

    public MessageRegistry(LogBusConfiguration configuration)
    {
        _configuration = configuration;
        foreach (var type in configuration.Messages.Keys)
        {
            Get(type);
        }
    }

    public IEnumerable<MessageMetadata> All => _byType.Values;

    /// <summary>Metadata of <typeparamref name="T"/>; an array index after the first call.</summary>
    public MessageMetadata<T> Get<T>()
    {
        var id = MessageTypeId<T>.Value;
        var byId = Volatile.Read(ref _byId);
        if ((uint)id < (uint)byId.Length && byId[id] is MessageMetadata<T> known)
        {
            return known;
        }
        return (MessageMetadata<T>)Get(typeof(T));
    }

    /// <summary>Metadata of a type known only at run time.</summary>
    public MessageMetadata Get(Type type)
    {
        if (_byType.TryGetValue(type, out var existing))
        {
            return existing;
        }
        lock (_gate)
        {
            if (_byType.TryGetValue(type, out existing))
            {
                return existing;
            }
            var created = (MessageMetadata)typeof(MessageRegistry)
                .GetMethod(nameof(Create), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .MakeGenericMethod(type)
                .Invoke(this, null)!;
            if (!_byName.TryAdd(created.Name, created))
            {
                throw new InvalidOperationException(
                    $"Message types {_byName[created.Name].ClrType.FullName} and {type.FullName} share the message-type name '{created.Name}'; give one a distinct name with bus.Message<T>(m => m.Name(\"...\")).");
            }
            _byType[type] = created;
            return created;
        }
    }

    /// <summary>Finds a type by its <c>message-type</c> header value.</summary>
    public bool TryGetByName(string name, out MessageMetadata metadata) => _byName.TryGetValue(name, out metadata!);

    /// <summary>Finds a type by its <c>message-type</c> header value given as UTF-8.</summary>
    public bool TryGetByName(ReadOnlySpan<byte> utf8Name, out MessageMetadata metadata)
    {
        Span<char> chars = stackalloc char[256];
        if (utf8Name.Length <= chars.Length && System.Text.Unicode.Utf8.ToUtf16(utf8Name, chars, out _, out var written) == System.Buffers.OperationStatus.Done)
        {
            return _byName.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..written], out metadata!);
        }
        return _byName.TryGetValue(System.Text.Encoding.UTF8.GetString(utf8Name), out metadata!);
    }

    private MessageMetadata<T> Create<T>()
    {
        _configuration.Messages.TryGetValue(typeof(T), out var configuration);
        var name = configuration?.Name ?? MessageNames.DefaultTypeName(typeof(T));
        var topic = configuration?.Topic ?? MessageNames.KebabCase(typeof(T));
        var metadata = new MessageMetadata<T>(name, topic, configuration?.Partitions ?? _configuration.DefaultPartitions,
            configuration?.KeySelector as KeySelector<T>);
        var id = MessageTypeId<T>.Value;
        var byId = _byId;
        if (id >= byId.Length)
        {
            Array.Resize(ref byId, Math.Max(id + 1, byId.Length * 2));
        }
        else
        {
            byId = (MessageMetadata?[])byId.Clone();
        }
        byId[id] = metadata;
        Volatile.Write(ref _byId, byId);
        return metadata;
    }
}
