using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>A Kafka operation failed: an error code from a broker, or a connection failure.</summary>
public class KafkaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KafkaException() { }

    /// <summary>Creates the exception with a message.</summary>
    public KafkaException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public KafkaException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a broker error code.</summary>
    public KafkaException(ErrorCode errorCode, string message, Exception? innerException = null)
        : base($"{message} ({errorCode.KafkaName()})", innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The Kafka error code; <see cref="ErrorCode.UnknownServerError"/> when none applies.</summary>
    public ErrorCode ErrorCode { get; } = ErrorCode.UnknownServerError;

    /// <summary>True when retrying the operation later may succeed (leader moves, restarts, timeouts).</summary>
    public bool IsRetriable => KafkaErrors.IsRetriable(ErrorCode);
}
