namespace LogBus.Broker.Transactions;

/// <summary>The states of a transactional id (Kafka's transaction state machine).</summary>
/// <remarks>
/// Empty → Ongoing (AddPartitionsToTxn / AddOffsetsToTxn) → PrepareCommit | PrepareAbort (EndTxn, a
/// timeout, or InitProducerId over an open transaction) → CompleteCommit | CompleteAbort (markers
/// written, offsets applied) → Ongoing (next transaction) or Empty (InitProducerId). Prepare states are
/// durable before any marker is written, so a restarted coordinator finishes them. Dead: expired
/// (not produced by this coordinator today; kept for the record format).
/// </remarks>
internal enum TransactionState : byte
{
    /// <summary>Initialized, no transaction open.</summary>
    Empty = 0,
    /// <summary>A transaction is open: partitions and/or consumer groups were added.</summary>
    Ongoing = 1,
    /// <summary>Commit decided (durable); markers are being written.</summary>
    PrepareCommit = 2,
    /// <summary>Abort decided (durable); markers are being written.</summary>
    PrepareAbort = 3,
    /// <summary>The last transaction committed.</summary>
    CompleteCommit = 4,
    /// <summary>The last transaction aborted.</summary>
    CompleteAbort = 5,
    /// <summary>Removed.</summary>
    Dead = 6,
}
