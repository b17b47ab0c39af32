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
    /// The memory behind the record's key, value and headers must stay unchanged until the task
    /// completes. Transports may complete synchronously.
    /// </remarks>
    ValueTask<DeliveryResult> ProduceAsync(OutgoingRecord record, CancellationToken cancellationToken = default);
}
