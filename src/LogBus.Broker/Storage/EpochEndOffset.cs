namespace LogBus.Broker.Storage;

/// <summary>
/// Answer to "where does leader epoch E end in this log" (OffsetsForLeaderEpoch): the largest epoch at
/// or below the requested one and the offset where the next higher epoch starts (or the log end
/// offset for the latest epoch). (-1, -1) when the epoch is undefined or above the latest.
/// </summary>
/// <param name="LeaderEpoch">The epoch the end offset belongs to; -1 when undefined.</param>
/// <param name="EndOffset">Exclusive end offset of that epoch; -1 when undefined.</param>
internal readonly record struct EpochEndOffset(int LeaderEpoch, long EndOffset)
{
    /// <summary>The undefined answer.</summary>
    public static EpochEndOffset Undefined => new(-1, -1);
}
