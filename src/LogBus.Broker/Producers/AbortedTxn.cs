namespace LogBus.Broker.Producers;

/// <summary>
/// One aborted transaction of one producer on one partition: its data lies in
/// [<paramref name="FirstOffset"/>, <paramref name="LastOffset"/>], where the last offset is the abort
/// marker's. read_committed consumers drop that producer's records in the range.
/// </summary>
/// <param name="ProducerId">The transactional producer.</param>
/// <param name="FirstOffset">Offset of the transaction's first batch on this partition.</param>
/// <param name="LastOffset">Offset of the abort marker.</param>
internal readonly record struct AbortedTxn(long ProducerId, long FirstOffset, long LastOffset);
