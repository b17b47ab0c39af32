namespace LogBus.Broker.Storage;

/// <summary>Which moving end of a partition log a waiter follows.</summary>
internal enum LogOffsetKind
{
    /// <summary>The log end offset (followers, and fetches that may read uncommitted data).</summary>
    LogEnd = 0,
    /// <summary>The high watermark (consumers).</summary>
    HighWatermark = 1,
}
