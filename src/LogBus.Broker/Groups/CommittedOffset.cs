namespace LogBus.Broker.Groups;

/// <summary>A committed offset of one partition for one group, as stored in <c>__consumer_offsets</c>.</summary>
/// <param name="Offset">The next offset the group will consume.</param>
/// <param name="LeaderEpoch">The leader epoch of the last consumed record, or -1.</param>
/// <param name="Metadata">The client's metadata string (empty when none was sent).</param>
/// <param name="CommitTimestamp">When it was committed (Unix milliseconds).</param>
/// <param name="ExpireTimestamp">Explicit expiry (OffsetCommit v2-v4 retention time), or -1 for the group's rules.</param>
internal readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string Metadata, long CommitTimestamp, long ExpireTimestamp);
