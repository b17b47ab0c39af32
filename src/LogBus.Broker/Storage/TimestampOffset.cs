namespace LogBus.Broker.Storage;

/// <summary>Answer to a lookup by time: the first batch whose largest timestamp is at or after the target.</summary>
/// <param name="Offset">Base offset of that batch.</param>
/// <param name="Timestamp">Its largest timestamp.</param>
internal readonly record struct TimestampOffset(long Offset, long Timestamp);
