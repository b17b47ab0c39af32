namespace LogBus.Protocol.Messages;

/// <summary>
/// A request or response body. Each API message is one class with settable properties, a
/// version-aware <see cref="Write"/> and a static <c>Read(ref KafkaReader, short version)</c>; fields
/// absent from a version are skipped on write and left at their defaults on read.
/// </summary>
public abstract class KafkaMessage
{
    /// <summary>The API this message belongs to.</summary>
    public abstract ApiKey ApiKey { get; }

    /// <summary>
    /// Writes the body in <paramref name="version"/>. Throws <see cref="KafkaProtocolException"/> for a
    /// version this codec does not implement or a value the version cannot carry.
    /// </summary>
    public abstract void Write(ref KafkaWriter writer, short version);
}
