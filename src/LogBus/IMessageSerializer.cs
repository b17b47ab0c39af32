using System.Buffers;

namespace LogBus;

/// <summary>
/// Turns messages into record values and back. The default is <see cref="SystemTextJsonMessageSerializer"/>;
/// replace it with <see cref="LogBusBuilder.UseSerializer"/>. Implementations must be thread-safe.
/// </summary>
public interface IMessageSerializer
{
    /// <summary>The media type written to the <c>content-type</c> header, e.g. <c>application/json</c>.</summary>
    string ContentType { get; }

    /// <summary>Writes <paramref name="message"/> to <paramref name="output"/>.</summary>
    /// <exception cref="MessageSerializationException">The message cannot be serialized.</exception>
    void Serialize<T>(T message, IBufferWriter<byte> output);

    /// <summary>Reads a message of type <typeparamref name="T"/>.</summary>
    /// <exception cref="MessageSerializationException">The bytes are not a valid <typeparamref name="T"/>.</exception>
    T Deserialize<T>(ReadOnlySpan<byte> data);
}
