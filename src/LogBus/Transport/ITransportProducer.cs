namespace LogBus.Transport;

/// <summary>
/// Appends records to topics. Thread-safe: one instance is shared by every publisher of a bus.
/// Records produced with the same key to the same topic are appended in call order.
/// </summary>
public interface ITransportProducer
{
    /// <summary>
    /// Appends one record. The task completes when the log has accepted the record under the
    /// transport's durability setting (for Kafka: the configured acks), and faults when it was not.
    /// </summary>
    /// <remarks>
    /// The transport reads (copies) the record's key, value and headers before this method returns, even
    /// when the returned task completes later: callers may reuse that memory as soon as the call returns
    /// (LogBus builds records in per-thread buffers). Transports may complete synchronously.
    /// </remarks>
    ValueTask<DeliveryResult> ProduceAsync(OutgoingRecord record, CancellationToken cancellationToken = default);
}
