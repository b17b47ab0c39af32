using System.Diagnostics;
using LogBus.Broker.Storage;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Producers;

/// <summary>
/// The idempotent-producer state of one partition: producer id → <see cref="ProducerEntry"/>.
/// Appends of idempotent batches check, append and update under <see cref="Lock"/>, so checks and
/// log order agree. Transactional producers are tracked here too: their open transactions give the
/// partition's last stable offset, and aborted transactions are indexed for read_committed fetches
/// (<c>PartitionProducerState.Transactions.cs</c>).
/// </summary>
internal sealed partial class PartitionProducerState
{
    private readonly Dictionary<long, ProducerEntry> _producers = new();

    public PartitionProducerState(PartitionLog log, Guid topicId)
    {
        Log = log;
        TopicId = topicId;
    }

    /// <summary>The partition this state belongs to.</summary>
    public PartitionLog Log { get; }

    /// <summary>Id of the topic (a recreated topic of the same name gets fresh state).</summary>
    public Guid TopicId { get; }

    /// <summary>Serializes check + append + update of idempotent batches, and snapshots.</summary>
    public object Lock { get; } = new();

    /// <summary>True when changed since the last snapshot.</summary>
    public bool Dirty { get; set; }

    /// <summary>Known producers.</summary>
    public int ProducerCount => _producers.Count;

    /// <summary>The producers (under <see cref="Lock"/>).</summary>
    public IReadOnlyDictionary<long, ProducerEntry> Producers => _producers;

    /// <summary>The sequence of the last record of a batch (Kafka wraps sequences past int.MaxValue to 0).</summary>
    public static int LastSequence(int baseSequence, int lastOffsetDelta) =>
        baseSequence > int.MaxValue - lastOffsetDelta ? lastOffsetDelta - (int.MaxValue - baseSequence) - 1 : baseSequence + lastOffsetDelta;

    private static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;

    /// <summary>Checks an idempotent batch (producer id ≥ 0) against the state, as Kafka does. Under <see cref="Lock"/>.</summary>
    public SequenceCheck Check(in RecordBatchHeader header, out BatchMetadata duplicate)
    {
        Debug.Assert(Monitor.IsEntered(Lock), "producer state lock not held");
        duplicate = default;
        var first = header.BaseSequence;
        if (!_producers.TryGetValue(header.ProducerId, out var entry))
        {
            return first == 0 ? SequenceCheck.Accept : SequenceCheck.UnknownProducerId;
        }
        if (header.ProducerEpoch < entry.Epoch)
        {
            return SequenceCheck.InvalidProducerEpoch;
        }
        if (header.ProducerEpoch > entry.Epoch)
        {
            // An epoch bump restarts the sequence at 0.
            return first == 0 ? SequenceCheck.Accept : SequenceCheck.OutOfOrderSequence;
        }
        var last = LastSequence(first, header.LastOffsetDelta);
        if (entry.TryFindBatch(first, last, out duplicate))
        {
            return SequenceCheck.Duplicate;
        }
        if (entry.Count == 0)
        {
            return first == 0 ? SequenceCheck.Accept : SequenceCheck.OutOfOrderSequence;
        }
        return first == NextSequence(entry.Last.LastSequence) ? SequenceCheck.Accept : SequenceCheck.OutOfOrderSequence;
    }

    /// <summary>Records an appended batch (its header carries the assigned base offset). Under <see cref="Lock"/>, or while loading.</summary>
    public void Update(in RecordBatchHeader header, long nowMs)
    {
        if (!_producers.TryGetValue(header.ProducerId, out var entry))
        {
            entry = new ProducerEntry(header.ProducerEpoch);
            _producers[header.ProducerId] = entry;
        }
        entry.Add(header.ProducerEpoch, new BatchMetadata(header.BaseSequence, LastSequence(header.BaseSequence, header.LastOffsetDelta), header.BaseOffset, header.LastOffset));
        entry.LastAppendTimeMs = nowMs;
        Dirty = true;
    }

    /// <summary>Adds a producer from a snapshot.</summary>
    public void Restore(long producerId, ProducerEntry entry) => _producers[producerId] = entry;

    /// <summary>Forgets producers idle since before <paramref name="cutoffMs"/> (Kafka's producer id expiration). Under <see cref="Lock"/>.</summary>
    public int Expire(long cutoffMs)
    {
        var removed = 0;
        foreach (var (id, entry) in _producers)
        {
            if (entry.LastAppendTimeMs < cutoffMs)
            {
                _producers.Remove(id);
                removed++;
            }
        }
        if (removed > 0)
        {
            Dirty = true;
        }
        return removed;
    }
}
