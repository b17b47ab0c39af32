using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>A broker could not be reached, or a connection to it broke. Retriable.</summary>
public sealed class KafkaConnectionException : KafkaException
{
    /// <summary>Creates the exception.</summary>
    public KafkaConnectionException() : base(ErrorCode.NetworkException, "Connection failed") { }

    /// <summary>Creates the exception with a message.</summary>
    public KafkaConnectionException(string message) : base(ErrorCode.NetworkException, message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public KafkaConnectionException(string message, Exception innerException) : base(ErrorCode.NetworkException, message, innerException) { }
}
