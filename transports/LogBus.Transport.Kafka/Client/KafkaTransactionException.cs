using LogBus.Protocol;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A transactional operation failed. <see cref="IsFatal"/>: the producer was fenced by a newer instance
/// with the same transactional id (or hit an unrecoverable error) and must be disposed. Otherwise the
/// transaction must be aborted (<see cref="KafkaProducer.AbortTransactionAsync"/>) and may be retried.
/// </summary>
public sealed class KafkaTransactionException : KafkaException
{
    /// <summary>Creates the exception.</summary>
    public KafkaTransactionException(ErrorCode errorCode, string message, bool isFatal, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
        IsFatal = isFatal;
    }

    /// <summary>True when the producer cannot continue (fenced); false when aborting the transaction recovers.</summary>
    public bool IsFatal { get; }
}
