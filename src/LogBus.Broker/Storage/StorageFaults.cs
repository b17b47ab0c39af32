namespace LogBus.Broker.Storage;

/// <summary>
/// Fault-injection hooks consulted by the storage engine's file layer (tests only; production passes
/// none). Each hook may block (to order events deterministically) or throw.
/// </summary>
internal sealed class StorageFaults
{
    /// <summary>
    /// Called before a segment log write of <c>length</c> bytes at <c>position</c> of <c>path</c>.
    /// Returns how many bytes really reach the file: returning less than <c>length</c> simulates a torn
    /// write (that prefix is written, then the write fails with an <see cref="IOException"/>).
    /// </summary>
    public Func<string, long, int, int>? BeforeLogWrite { get; set; }

    /// <summary>Called before an fsync of a segment log file; throw to simulate a failed fsync.</summary>
    public Action<string>? BeforeLogFlush { get; set; }

    /// <summary>Number of fsyncs of segment log files performed (observed by tests of group commit).</summary>
    public int LogFlushCount => Volatile.Read(ref _logFlushCount);

    private int _logFlushCount;

    internal void CountLogFlush() => Interlocked.Increment(ref _logFlushCount);
}
