namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A consumer's state of one assigned partition: the position returned to the application, the
/// fetcher's position, and the prefetched records in between.
/// </summary>
/// <remarks>Guarded by the consumer's lock; the fetcher and the owner both touch it.</remarks>
internal sealed class PartitionState(TopicPartition partition)
{
    public TopicPartition Partition { get; } = partition;

    /// <summary>Next offset to return to the application; -1 until initialised.</summary>
    public long Position { get; set; } = -1;

    /// <summary>Next offset to fetch; -1 until initialised.</summary>
    public long FetchPosition { get; set; } = -1;

    /// <summary>Decoded records not returned yet, in offset order.</summary>
    public Queue<Transport.LogRecord> Buffered { get; } = new();

    /// <summary>Approximate memory of <see cref="Buffered"/>.</summary>
    public long BufferedBytes { get; set; }

    /// <summary>Bytes of fetched batches still being decoded (counted against the prefetch bound).</summary>
    public long PendingBytes { get; set; }

    public bool Paused { get; set; }

    /// <summary>True while a fetch for this partition is outstanding.</summary>
    public bool InFetch { get; set; }

    /// <summary>Bumped by seeks and resets: responses to fetches sent before are discarded.</summary>
    public int Epoch { get; set; }

    /// <summary>The fetch position is out of range or unknown and must be reset per the reset policy.</summary>
    public bool NeedsReset { get; set; }

    /// <summary>Stopwatch timestamp before which this partition is not fetched (after errors).</summary>
    public long RetryAt { get; set; }

    /// <summary>Per-partition fetch size; grows when a single batch does not fit.</summary>
    public int MaxBytes { get; set; }

    /// <summary>Set when the partition was revoked: the fetcher drops results for it.</summary>
    public bool Removed { get; set; }

    public void ClearBuffer()
    {
        Buffered.Clear();
        BufferedBytes = 0;
    }
}
