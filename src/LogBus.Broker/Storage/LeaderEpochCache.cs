using System.Buffers.Binary;

namespace LogBus.Broker.Storage;

/// <summary>
/// The leader-epoch cache of a partition: for each leader epoch, the first offset appended in it.
/// Checkpointed in <c>leader-epoch.checkpoint</c> in the partition directory.
/// </summary>
/// <remarks>
/// Durability contract: a new epoch is checkpointed (write temp, fsync, rename) before the first batch
/// stamped with it is written, so after any crash the checkpoint covers every batch on disk; recovery
/// relies on that to reject a batch whose (CRC-uncovered) epoch field was corrupted. Thread-safe:
/// all members lock.
/// </remarks>
internal sealed class LeaderEpochCache
{
    /// <summary>File name inside the partition directory.</summary>
    public const string FileName = "leader-epoch.checkpoint";

    private const uint Magic = 0x4C42_4543; // "LBEC"
    private const short Version = 1;

    private readonly string _path;
    private readonly List<(int Epoch, long StartOffset)> _entries = new();
    private readonly object _lock = new();

    private LeaderEpochCache(string directory)
    {
        _path = Path.Combine(directory, FileName);
    }

    /// <summary>The latest epoch; -1 when none.</summary>
    public int LatestEpoch
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count == 0 ? -1 : _entries[^1].Epoch;
            }
        }
    }

    /// <summary>A copy of the entries, oldest first.</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries.ToArray();
            }
        }
    }

    /// <summary>
    /// Loads the checkpoint of <paramref name="directory"/>. <paramref name="intact"/> is false when a
    /// checkpoint file exists but cannot be trusted (torn or corrupt): the caller then rebuilds the
    /// cache from the batch headers.
    /// </summary>
    public static LeaderEpochCache Load(string directory, out bool intact, out bool existed)
    {
        var cache = new LeaderEpochCache(directory);
        intact = true;
        existed = File.Exists(cache._path);
        if (!existed)
        {
            return cache;
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(cache._path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(cache._path, $"cannot read leader epoch checkpoint: {e.Message}", e);
        }
        intact = cache.TryParse(bytes);
        if (!intact)
        {
            cache._entries.Clear();
        }
        return cache;
    }

    private bool TryParse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 14 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != Magic
            || BinaryPrimitives.ReadInt16BigEndian(bytes[4..]) != Version)
        {
            return false;
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[6..]);
        if (count < 0 || bytes.Length != 10 + (count * 12) + 4)
        {
            return false;
        }
        var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes[^4..]);
        if (LogBus.Protocol.Crc32C.Compute(bytes[..^4]) != crc)
        {
            return false;
        }
        for (var i = 0; i < count; i++)
        {
            var epoch = BinaryPrimitives.ReadInt32BigEndian(bytes[(10 + (i * 12))..]);
            var start = BinaryPrimitives.ReadInt64BigEndian(bytes[(14 + (i * 12))..]);
            if (_entries.Count > 0 && (epoch <= _entries[^1].Epoch || start < _entries[^1].StartOffset))
            {
                return false;
            }
            _entries.Add((epoch, start));
        }
        return true;
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> when it is newer
    /// than the latest epoch (entries starting at or after it, which hold no data, are replaced).
    /// Returns true when the cache changed; with <paramref name="persist"/> the checkpoint is durable
    /// before this returns.
    /// </summary>
    public bool Assign(int epoch, long startOffset, bool persist)
    {
        lock (_lock)
        {
            if (epoch < 0 || (_entries.Count > 0 && epoch <= _entries[^1].Epoch))
            {
                return false;
            }
            while (_entries.Count > 0 && _entries[^1].StartOffset >= startOffset)
            {
                _entries.RemoveAt(_entries.Count - 1);
            }
            _entries.Add((epoch, startOffset));
            if (persist)
            {
                PersistLocked();
            }
            return true;
        }
    }

    /// <summary>The epoch of the batch at <paramref name="offset"/>: the latest entry starting at or before it; -1 when none.</summary>
    public int EpochForOffset(long offset)
    {
        lock (_lock)
        {
            for (var i = _entries.Count - 1; i >= 0; i--)
            {
                if (_entries[i].StartOffset <= offset)
                {
                    return _entries[i].Epoch;
                }
            }
            return -1;
        }
    }

    /// <summary>Kafka's end-offset-for-epoch rule; see <see cref="EpochEndOffset"/>.</summary>
    public EpochEndOffset EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        lock (_lock)
        {
            if (requestedEpoch < 0 || _entries.Count == 0)
            {
                return EpochEndOffset.Undefined;
            }
            if (_entries[^1].Epoch == requestedEpoch)
            {
                return new EpochEndOffset(requestedEpoch, logEndOffset);
            }
            var higher = _entries.FindIndex(e => e.Epoch > requestedEpoch);
            if (higher < 0)
            {
                return EpochEndOffset.Undefined;
            }
            // No entry at or below the requested epoch: the requested epoch predates what we know;
            // answer with it and the start of the first known epoch, like Kafka.
            return higher == 0
                ? new EpochEndOffset(requestedEpoch, _entries[0].StartOffset)
                : new EpochEndOffset(_entries[higher - 1].Epoch, _entries[higher].StartOffset);
        }
    }

    /// <summary>Removes entries starting at or after <paramref name="endOffset"/> (the log was truncated there). Returns true when changed (persisted).</summary>
    public bool TruncateFromEnd(long endOffset, bool persist = true)
    {
        lock (_lock)
        {
            var changed = false;
            while (_entries.Count > 0 && _entries[^1].StartOffset >= endOffset)
            {
                _entries.RemoveAt(_entries.Count - 1);
                changed = true;
            }
            if (changed && persist)
            {
                PersistLocked();
            }
            return changed;
        }
    }

    /// <summary>
    /// The log now starts at <paramref name="startOffset"/>: drops epochs wholly before it and moves the
    /// start of the epoch containing it up to it. Returns true when changed (persisted).
    /// </summary>
    public bool TruncateFromStart(long startOffset, bool persist = true)
    {
        lock (_lock)
        {
            var changed = false;
            while (_entries.Count > 1 && _entries[1].StartOffset <= startOffset)
            {
                _entries.RemoveAt(0);
                changed = true;
            }
            if (_entries.Count > 0 && _entries[0].StartOffset < startOffset)
            {
                _entries[0] = (_entries[0].Epoch, startOffset);
                changed = true;
            }
            if (changed && persist)
            {
                PersistLocked();
            }
            return changed;
        }
    }

    /// <summary>Removes every entry and persists the empty cache.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            PersistLocked();
        }
    }

    /// <summary>Writes the checkpoint durably.</summary>
    public void Persist()
    {
        lock (_lock)
        {
            PersistLocked();
        }
    }

    private void PersistLocked()
    {
        var bytes = new byte[10 + (_entries.Count * 12) + 4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Magic);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(6), _entries.Count);
        for (var i = 0; i < _entries.Count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(10 + (i * 12)), _entries[i].Epoch);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(14 + (i * 12)), _entries[i].StartOffset);
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(bytes.Length - 4), LogBus.Protocol.Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        FileSystemSync.WriteAtomically(_path, bytes);
    }
}
