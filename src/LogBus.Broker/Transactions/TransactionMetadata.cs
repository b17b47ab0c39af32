namespace LogBus.Broker.Transactions;

/// <summary>
/// One transactional id in the coordinator's memory: its current durable <see cref="TransactionRecord"/>
/// and the two locks that order changes to it.
/// </summary>
/// <remarks>
/// <para><see cref="Gate"/> serializes the coordinator's operations on this id (each writes a record and
/// waits for its fsync, so it is asynchronous). <see cref="Lock"/> guards the swap of
/// <see cref="Current"/> against the Produce path: a transactional batch is checked and appended under
/// it, so once a Prepare state is current no more data of the transaction can be appended before its
/// markers. Lock order: <see cref="Gate"/> → <see cref="Lock"/> → a partition's producer-state lock.</para>
/// </remarks>
internal sealed class TransactionMetadata
{
    private TransactionRecord _current;

    public TransactionMetadata(string transactionalId, int statePartition, TransactionRecord current)
    {
        TransactionalId = transactionalId;
        StatePartition = statePartition;
        _current = current;
    }

    /// <summary>The transactional id.</summary>
    public string TransactionalId { get; }

    /// <summary>Its partition of <c>__transaction_state</c>.</summary>
    public int StatePartition { get; }

    /// <summary>Serializes coordinator operations (async; held across the state write's fsync).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Guards the swap of <see cref="Current"/> against transactional appends.</summary>
    public Lock Lock { get; } = new();

    /// <summary>The current durable state (a volatile read; swapped under <see cref="Lock"/>).</summary>
    public TransactionRecord Current
    {
        get => Volatile.Read(ref _current);
        set
        {
            lock (Lock)
            {
                Volatile.Write(ref _current, value);
            }
        }
    }
}
