namespace LogBus;

/// <summary>Where a consumer group starts reading a partition for which it has no committed offset.</summary>
public enum AutoOffsetReset
{
    /// <summary>From the oldest record still in the log (the LogBus default: nothing published before the
    /// consumer first started is missed).</summary>
    Earliest,

    /// <summary>From the end of the log: only records appended after the partition was assigned.</summary>
    Latest,
}
