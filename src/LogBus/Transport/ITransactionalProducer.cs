namespace LogBus.Transport;

/// <summary>
/// A producer whose records belong to transactions: they become visible to read_committed readers
/// together with the offsets sent to the transaction, or never. One owner at a time.
/// </summary>
public interface ITransactionalProducer : ITransportProducer, IAsyncDisposable
{
    /// <summary>Opens a transaction.</summary>
    void BeginTransaction();

    /// <summary>Adds consumed offsets (the next offsets to read) of <paramref name="groupId"/> to the open transaction.</summary>
    Task SendOffsetsToTransactionAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, string groupId, CancellationToken cancellationToken);

    /// <summary>Commits the open transaction once every record of it was acknowledged.</summary>
    Task CommitTransactionAsync(CancellationToken cancellationToken);

    /// <summary>Aborts the open transaction.</summary>
    Task AbortTransactionAsync(CancellationToken cancellationToken);
}
