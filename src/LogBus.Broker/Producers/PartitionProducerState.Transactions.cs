using System.Diagnostics;

namespace LogBus.Broker.Producers;

/// <summary>
/// Transactions on one partition: the open transaction of each transactional producer (its first
/// offset), the first unstable offset derived from them, and the aborted-transaction index.
/// </summary>
/// <remarks>
/// <para>Last stable offset (LSO): the first offset of the oldest open transaction, or the high
/// watermark when none is open. read_committed fetches read below it only. Visibility rules: a
/// transaction is registered as open <em>before</em> its first batch is appended (with the log end
/// offset as a lower bound, corrected to the real base offset after the append), and an aborted
/// transaction enters the index <em>before</em> it stops being open, so a reader that sees the LSO move
/// past a transaction also sees it in the index.</para>
/// <para>All mutators run under <see cref="Lock"/>; <see cref="FirstUnstableOffset"/> is a volatile read
/// for the fetch path.</para>
/// </remarks>
internal sealed partial class PartitionProducerState
{
    private readonly Dictionary<long, long> _openTransactions = new();
    private readonly List<AbortedTxn> _aborted = new();
    private long _firstUnstableOffset = -1;

    /// <summary>The first offset of the oldest open transaction, or -1 when none is open.</summary>
    public long FirstUnstableOffset => Volatile.Read(ref _firstUnstableOffset);

    /// <summary>The open transactions: producer id → first offset (under <see cref="Lock"/>).</summary>
    public IReadOnlyDictionary<long, long> OpenTransactions => _openTransactions;

    /// <summary>The aborted-transaction index, ordered by marker offset (under <see cref="Lock"/>).</summary>
    public IReadOnlyList<AbortedTxn> AbortedTransactions => _aborted;

    /// <summary>The last stable offset given the partition's high watermark.</summary>
    public long LastStableOffset(long highWatermark)
    {
        var first = FirstUnstableOffset;
        return first >= 0 && first < highWatermark ? first : highWatermark;
    }

    /// <summary>
    /// Registers the producer's transaction as open from <paramref name="firstOffset"/> when it is not
    /// open yet; returns true when it was registered now. Under <see cref="Lock"/> or while loading.
    /// </summary>
    public bool BeginTransaction(long producerId, long firstOffset)
    {
        if (_openTransactions.ContainsKey(producerId))
        {
            return false;
        }
        _openTransactions[producerId] = firstOffset;
        RecomputeFirstUnstable();
        Dirty = true;
        return true;
    }

    /// <summary>Moves a just-registered transaction's first offset to where its batch landed. Under <see cref="Lock"/>.</summary>
    public void CorrectTransactionStart(long producerId, long firstOffset)
    {
        Debug.Assert(_openTransactions.ContainsKey(producerId), "transaction not open");
        _openTransactions[producerId] = firstOffset;
        RecomputeFirstUnstable();
    }

    /// <summary>Forgets a transaction registered for an append that failed. Under <see cref="Lock"/>.</summary>
    public void CancelTransactionStart(long producerId)
    {
        _openTransactions.Remove(producerId);
        RecomputeFirstUnstable();
    }

    /// <summary>
    /// Applies a commit or abort marker appended at <paramref name="markerOffset"/>: an abort indexes
    /// the transaction's range, then the transaction stops being open. The producer's epoch moves to
    /// the marker's (an abort by the coordinator after a timeout or a new InitProducerId fences the old
    /// producer here too). Under <see cref="Lock"/> or while loading.
    /// </summary>
    public void CompleteTransaction(long producerId, short epoch, bool commit, long markerOffset, long nowMs)
    {
        if (_openTransactions.TryGetValue(producerId, out var first) && !commit)
        {
            _aborted.Add(new AbortedTxn(producerId, first, markerOffset));
        }
        _openTransactions.Remove(producerId);
        RecomputeFirstUnstable();
        if (_producers.TryGetValue(producerId, out var entry))
        {
            entry.BumpEpoch(epoch);
        }
        else
        {
            _producers[producerId] = new ProducerEntry(epoch);
        }
        _producers[producerId].LastAppendTimeMs = nowMs;
        Dirty = true;
    }

    /// <summary>
    /// The aborted transactions a read_committed fetch of [<paramref name="fromOffset"/>,
    /// <paramref name="toOffset"/>) must know: those whose range overlaps it. Under <see cref="Lock"/>.
    /// </summary>
    public void CollectAborted(long fromOffset, long toOffset, List<AbortedTxn> into)
    {
        // Sorted by marker offset: skip those that ended before the fetch offset.
        int lo = 0, hi = _aborted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_aborted[mid].LastOffset < fromOffset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        for (var i = lo; i < _aborted.Count; i++)
        {
            if (_aborted[i].FirstOffset < toOffset)
            {
                into.Add(_aborted[i]);
            }
        }
    }

    /// <summary>Drops index entries wholly below the log start offset. Under <see cref="Lock"/>.</summary>
    public void TrimAborted(long logStartOffset)
    {
        var n = 0;
        while (n < _aborted.Count && _aborted[n].LastOffset < logStartOffset)
        {
            n++;
        }
        if (n > 0)
        {
            _aborted.RemoveRange(0, n);
            Dirty = true;
        }
    }

    /// <summary>Adds an index entry from a snapshot (in marker order).</summary>
    public void RestoreAborted(AbortedTxn aborted) => _aborted.Add(aborted);

    /// <summary>Adds an open transaction from a snapshot.</summary>
    public void RestoreOpen(long producerId, long firstOffset)
    {
        _openTransactions[producerId] = firstOffset;
        RecomputeFirstUnstable();
    }

    private void RecomputeFirstUnstable()
    {
        var min = -1L;
        foreach (var first in _openTransactions.Values)
        {
            if (min < 0 || first < min)
            {
                min = first;
            }
        }
        Volatile.Write(ref _firstUnstableOffset, min);
    }
}
