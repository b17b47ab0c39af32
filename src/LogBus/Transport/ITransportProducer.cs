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

    /// <summary>
    /// Sends what is buffered now, without waiting for the transport's batching delay (Kafka's
    /// <c>linger.ms</c>), and completes when every record produced before the call was acknowledged or
    /// failed (failures are reported by the records' own tasks, not here).
    /// </summary>
    /// <remarks>
    /// For callers that produce a known batch and wait for all of it (the outbox relay): the batch does
    /// not pay the linger. Transports that do not buffer keep this default, which completes at once.
    /// </remarks>
    ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
