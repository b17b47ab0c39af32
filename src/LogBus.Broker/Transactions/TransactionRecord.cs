namespace LogBus.Broker.Transactions;

/// <summary>
/// The durable state of one transactional id: what a <c>__transaction_state</c> record holds. Immutable:
/// every transition makes a new one, written and fsynced before it becomes the coordinator's current state.
/// </summary>
/// <param name="ProducerId">The producer id bound to the transactional id.</param>
/// <param name="ProducerEpoch">Its current epoch (bumped by InitProducerId and by coordinator aborts: older epochs are fenced).</param>
/// <param name="TimeoutMs">The transaction timeout the producer asked for.</param>
/// <param name="State">The state.</param>
/// <param name="StartTimestampMs">When the open transaction began (first partition added); -1 when none is open.</param>
/// <param name="UpdateTimestampMs">When this state was written.</param>
/// <param name="Partitions">The data partitions of the open (or completing) transaction.</param>
/// <param name="Offsets">Consumer groups added to the transaction (AddOffsetsToTxn), each with its pending offsets (TxnOffsetCommit).</param>
internal sealed record TransactionRecord(
    long ProducerId,
    short ProducerEpoch,
    int TimeoutMs,
    TransactionState State,
    long StartTimestampMs,
    long UpdateTimestampMs,
    IReadOnlySet<(string Topic, int Partition)> Partitions,
    IReadOnlyDictionary<string, IReadOnlyList<PendingOffset>> Offsets)
{
    /// <summary>No partitions.</summary>
    public static readonly IReadOnlySet<(string Topic, int Partition)> NoPartitions = new HashSet<(string, int)>();

    /// <summary>No groups.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<PendingOffset>> NoOffsets = new Dictionary<string, IReadOnlyList<PendingOffset>>();
}
