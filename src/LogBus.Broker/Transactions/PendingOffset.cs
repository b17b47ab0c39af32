namespace LogBus.Broker.Transactions;

/// <summary>A consumer offset sent to a transaction (TxnOffsetCommit); it becomes the group's committed offset when the transaction commits.</summary>
/// <param name="Topic">The consumed topic.</param>
/// <param name="Partition">The consumed partition.</param>
/// <param name="Offset">The offset to commit (the next to consume).</param>
/// <param name="LeaderEpoch">The leader epoch of the consumed record, or -1.</param>
/// <param name="Metadata">Client metadata ("" when none).</param>
internal readonly record struct PendingOffset(string Topic, int Partition, long Offset, int LeaderEpoch, string Metadata);
