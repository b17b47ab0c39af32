namespace LogBus.Broker.Producers;

/// <summary>
/// One producer's state in one partition: its current epoch and the metadata of its last
/// <see cref="MaxBatches"/> batches (Kafka keeps five: the most a producer has in flight with idempotence).
/// </summary>
/// <remarks>Guarded by the owning <see cref="PartitionProducerState"/>'s lock.</remarks>
internal sealed class ProducerEntry
{
    /// <summary>Batches remembered per producer for duplicate detection.</summary>
    public const int MaxBatches = 5;

    private readonly BatchMetadata[] _batches = new BatchMetadata[MaxBatches];
    private int _count;
    private int _next; // ring position of the next batch

    public ProducerEntry(short epoch) => Epoch = epoch;

    /// <summary>The producer's current epoch in this partition.</summary>
    public short Epoch { get; private set; }

    /// <summary>Wall-clock time of the last append (milliseconds since the epoch), for expiry.</summary>
    public long LastAppendTimeMs { get; set; }

    /// <summary>Number of remembered batches.</summary>
    public int Count => _count;

    /// <summary>The newest batch; only when <see cref="Count"/> &gt; 0.</summary>
    public BatchMetadata Last => _batches[(_next + MaxBatches - 1) % MaxBatches];

    /// <summary>The remembered batches, oldest first.</summary>
    public IEnumerable<BatchMetadata> Batches
    {
        get
        {
            for (var i = 0; i < _count; i++)
            {
                yield return _batches[(_next - _count + i + MaxBatches) % MaxBatches];
            }
        }
    }

    /// <summary>Finds a remembered batch with exactly this sequence range.</summary>
    public bool TryFindBatch(int firstSequence, int lastSequence, out BatchMetadata batch)
    {
        for (var i = 0; i < _count; i++)
        {
            var b = _batches[i];
            if (b.FirstSequence == firstSequence && b.LastSequence == lastSequence)
            {
                batch = b;
                return true;
            }
        }
        batch = default;
        return false;
    }

    /// <summary>Moves to a newer epoch (a transaction marker written by the coordinator), forgetting the old epoch's batches.</summary>
    public void BumpEpoch(short epoch)
    {
        if (epoch > Epoch)
        {
            Epoch = epoch;
            _count = 0;
            _next = 0;
        }
    }

    /// <summary>Records an appended batch; a new epoch forgets the batches of the old one.</summary>
    public void Add(short epoch, BatchMetadata batch)
    {
        if (epoch != Epoch)
        {
            Epoch = epoch;
            _count = 0;
            _next = 0;
        }
        _batches[_next] = batch;
        _next = (_next + 1) % MaxBatches;
        _count = Math.Min(_count + 1, MaxBatches);
    }
}
