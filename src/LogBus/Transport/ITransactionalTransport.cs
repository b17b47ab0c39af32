namespace LogBus.Transport;

/// <summary>
/// A transport with broker transactions (Kafka's KIP-98): the capability <see cref="ConsumeMode.ExactlyOnce"/> needs.
/// </summary>
public interface ITransactionalTransport
{
    /// <summary>
    /// Creates and initializes a transactional producer for <paramref name="transactionalId"/>: a newer
    /// producer with the same id fences older ones (and aborts their open transaction). The caller owns it.
    /// </summary>
    Task<ITransactionalProducer> CreateTransactionalProducerAsync(string transactionalId, CancellationToken cancellationToken);
}
