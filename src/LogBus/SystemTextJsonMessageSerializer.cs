using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace LogBus;

/// <summary>
/// The default serializer: System.Text.Json, UTF-8, <c>application/json</c>. Supports source-generated
/// contexts (pass the context's options, or a context) for trimming, AOT and speed.
/// </summary>
public sealed class SystemTextJsonMessageSerializer : IMessageSerializer
{
    // One reusable writer per thread: Utf8JsonWriter is not thread-safe but is cheap to Reset.
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;
    [ThreadStatic]
    private static SystemTextJsonMessageSerializer? t_writerOwner;

    private readonly JsonSerializerOptions _options;
    private readonly JsonWriterOptions _writerOptions;
    private readonly ConcurrentDictionary<Type, JsonTypeInfo> _typeInfos = new();

    /// <summary>Creates a serializer with <see cref="JsonSerializerDefaults.Web"/> options (camelCase, case-insensitive reads).</summary>
    public SystemTextJsonMessageSerializer() : this(new JsonSerializerOptions(JsonSerializerDefaults.Web)) { }

    /// <summary>Creates a serializer with the given options (which become read-only).</summary>
    public SystemTextJsonMessageSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TypeInfoResolver is null)
        {
            options = new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        }
        options.MakeReadOnly();
        _options = options;
        _writerOptions = new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            MaxDepth = options.MaxDepth,
            SkipValidation = true,
        };
    }

    /// <summary>Creates a serializer from a source-generated context (types it lacks fail to serialize).</summary>
    public SystemTextJsonMessageSerializer(JsonSerializerContext context) : this(new JsonSerializerOptions(context?.Options ?? throw new ArgumentNullException(nameof(context))) { TypeInfoResolver = context })
    {
    }

    /// <inheritdoc />
    public string ContentType => "application/json";

    /// <summary>The options in use (read-only).</summary>
    public JsonSerializerOptions Options => _options;

    /// <inheritdoc />
    public void Serialize<T>(T message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = t_writer;
        if (writer is null || !ReferenceEquals(t_writerOwner, this))
        {
            writer = t_writer = new Utf8JsonWriter(output, _writerOptions);
            t_writerOwner = this;
        }
        else
        {
            writer.Reset(output);
        }
        try
        {
            JsonSerializer.Serialize(writer, message, GetTypeInfo<T>());
            writer.Flush();
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // A failed write leaves the writer in an unknown state; drop it.
            t_writer = null;
            throw new MessageSerializationException($"Cannot serialize {typeof(T).FullName} as JSON: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> data)
    {
        try
        {
            var value = JsonSerializer.Deserialize(data, GetTypeInfo<T>());
            return value ?? throw new MessageSerializationException($"The JSON value is null; expected {typeof(T).FullName}.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new MessageSerializationException($"Cannot deserialize {typeof(T).FullName} from JSON: {ex.Message}", ex);
        }
    }

    private JsonTypeInfo<T> GetTypeInfo<T>()
    {
        if (_typeInfos.TryGetValue(typeof(T), out var info))
        {
            return (JsonTypeInfo<T>)info;
        }
        try
        {
            info = _options.GetTypeInfo(typeof(T));
        }
        catch (NotSupportedException ex)
        {
            throw new MessageSerializationException(
                $"The JSON options have no metadata for {typeof(T).FullName}; add it to your JsonSerializerContext.", ex);
        }
        _typeInfos.TryAdd(typeof(T), info);
        return (JsonTypeInfo<T>)info;
    }
}
