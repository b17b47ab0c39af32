namespace LogBus.Protocol;

/// <summary>
/// The one exception the codec throws for bytes it cannot accept: malformed, truncated or oversized
/// input, an unknown API key, an unsupported version or an unsupported compression codec. Decoders
/// throw nothing else for any input, so a server can catch this type at its request boundary and
/// answer with <see cref="ErrorCode"/> instead of crashing.
/// </summary>
public sealed class KafkaProtocolException : Exception
{
    /// <summary>Creates an exception for malformed bytes (<see cref="ErrorCode.CorruptMessage"/>).</summary>
    public KafkaProtocolException()
        : this("Malformed Kafka protocol bytes.")
    {
    }

    /// <summary>Creates an exception for malformed bytes (<see cref="ErrorCode.CorruptMessage"/>).</summary>
    public KafkaProtocolException(string message)
        : this(message, ErrorCode.CorruptMessage)
    {
    }

    /// <summary>Creates an exception wrapping <paramref name="innerException"/>.</summary>
    public KafkaProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = ErrorCode.CorruptMessage;
    }

    /// <summary>Creates an exception with the Kafka error code that describes the failure.</summary>
    public KafkaProtocolException(string message, ErrorCode errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Creates an exception with an error code and an inner exception.</summary>
    public KafkaProtocolException(string message, ErrorCode errorCode, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>
    /// The Kafka error code a broker would answer with: <see cref="ErrorCode.CorruptMessage"/> for
    /// malformed bytes, <see cref="ErrorCode.UnsupportedVersion"/>, <see cref="ErrorCode.InvalidRequest"/>
    /// (unknown API key), <see cref="ErrorCode.UnsupportedCompressionType"/>, ...
    /// </summary>
    public ErrorCode ErrorCode { get; }
}
