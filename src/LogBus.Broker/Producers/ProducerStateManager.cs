using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Producers;

/// <summary>
/// Idempotent-producer state of every partition, loaded on first use and snapshotted to
/// <c>&lt;data&gt;/.producer-state/&lt;topic&gt;-&lt;partition&gt;.snapshot</c>.
/// </summary>
/// <remarks>
/// <para>Recovery: a snapshot holds the state as of a log offset (all idempotent batches below it).
/// Loading reads the snapshot and replays the batch headers from that offset to the log end (storage's
/// header iterator; records are not read), so deduplication survives a crash: what the periodic
/// snapshot missed is rebuilt from the log tail. A snapshot that is missing, corrupt, of another topic
/// incarnation, or ahead of the log (the tail was cut by recovery) is ignored and the whole log is
/// replayed.</para>
/// <para>Snapshots are written every <see cref="LogBusBrokerOptions.ProducerStateSnapshotInterval"/> for
/// changed partitions and for all loaded partitions at <see cref="Dispose"/> (clean shutdown).</para>
/// <para>Thread-safety: all members are thread-safe; per-partition work serializes on the state's lock.</para>
/// </remarks>
internal sealed class ProducerStateManager : IDisposable
{
    /// <summary>Directory of snapshots inside the data directory.</summary>
    public const string DirectoryName = ".producer-state";

    /// <summary>Producers idle longer than this are forgotten (Kafka's <c>transactional.id.expiration.ms</c> default).</summary>
    public static readonly TimeSpan ProducerExpiration = TimeSpan.FromDays(7);

    private const uint Magic = 0x4C425053; // "LBPS"
    private const short FormatVersion = 2; // 2 added open transactions and aborted transactions; 1 is still read

    private readonly ConcurrentDictionary<PartitionLog, PartitionProducerState> _states = new(ReferenceEqualityComparer.Instance);
    private readonly object _loadLock = new();
    private readonly LogManager _logs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    public ProducerStateManager(LogManager logs, TimeProvider time, ILogger logger)
    {
        _logs = logs;
        _time = time;
        _logger = logger;
        _directory = Path.Combine(logs.DataDirectory, DirectoryName);
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Starts the periodic snapshot loop.</summary>
    public void StartSnapshots(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero || interval == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    SnapshotAll(onlyDirty: true);
                }
            }
            catch (OperationCanceledException)
            {
                // disposed
            }
        });
    }

    /// <summary>Number of partitions whose state is loaded (tests).</summary>
    public int LoadedCount => _states.Count;

    /// <summary>The state of <paramref name="log"/>, loading it (snapshot + log tail) on first use.</summary>
    public PartitionProducerState Get(PartitionLog log)
    {
        if (_states.TryGetValue(log, out var state))
        {
            return state;
        }
        lock (_loadLock)
        {
            if (_states.TryGetValue(log, out state))
            {
                return state;
            }
            state = Load(log);
            _states[log] = state;
            return state;
        }
    }

    private string SnapshotPath(string topic, int partition) => Path.Combine(_directory, PartitionLog.DirectoryName(topic, partition) + ".snapshot");

    private PartitionProducerState Load(PartitionLog log)
    {
        var topicId = _logs.GetTopic(log.Topic)?.TopicId ?? Guid.Empty;
        var state = new PartitionProducerState(log, topicId);
        var from = log.LogStartOffset;
        var path = SnapshotPath(log.Topic, log.Partition);
        if (TryReadSnapshot(path, topicId, log.LogEndOffset, state, out var snapshotOffset))
        {
            from = Math.Max(snapshotOffset, log.LogStartOffset);
        }
        else
        {
            state = new PartitionProducerState(log, topicId); // drop anything a bad snapshot restored
        }
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long replayed = 0;
        foreach (var header in log.ReadBatchHeaders(from))
        {
            if (header.ProducerId < 0 || header.BaseOffset < from)
            {
                continue;
            }
            if (header.IsControl)
            {
                if (TryReadControlType(log, header.BaseOffset, out var type))
                {
                    state.CompleteTransaction(header.ProducerId, header.ProducerEpoch, type == ControlRecordType.Commit, header.BaseOffset, now);
                }
            }
            else
            {
                state.Update(header, now);
                if (header.IsTransactional)
                {
                    state.BeginTransaction(header.ProducerId, header.BaseOffset);
                }
            }
            replayed++;
        }
        state.Dirty = replayed > 0;
        _logger.LogDebug("Loaded producer state of {Topic}-{Partition}: {Producers} producers, {Batches} batches replayed from offset {From}",
            log.Topic, log.Partition, state.ProducerCount, replayed, from);
        return state;
    }

    private bool TryReadSnapshot(string path, Guid topicId, long logEnd, PartitionProducerState state, out long offset)
    {
        offset = 0;
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Ignoring producer state snapshot {Path}: {Reason}", path, e.Message);
            return false;
        }
        try
        {
            var span = bytes.AsSpan();
            if (span.Length < 4 + 2 + 16 + 8 + 4 + 4
                || BinaryPrimitives.ReadUInt32BigEndian(span) != Magic
                || BinaryPrimitives.ReadInt16BigEndian(span[4..]) is not (1 or FormatVersion)
                || Crc32C.Compute(span[..^4]) != BinaryPrimitives.ReadUInt32BigEndian(span[^4..]))
            {
                _logger.LogWarning("Ignoring producer state snapshot {Path}: corrupt", path);
                return false;
            }
            var id = new Guid(span.Slice(6, 16), bigEndian: true);
            offset = BinaryPrimitives.ReadInt64BigEndian(span[22..]);
            if (id != topicId || offset > logEnd)
            {
                _logger.LogInformation("Ignoring producer state snapshot {Path}: of another topic incarnation or ahead of the log end {LogEnd}", path, logEnd);
                return false;
            }
            var count = BinaryPrimitives.ReadInt32BigEndian(span[30..]);
            var p = 34;
            var body = span[..^4];
            for (var i = 0; i < count; i++)
            {
                var producerId = BinaryPrimitives.ReadInt64BigEndian(body[p..]);
                var epoch = BinaryPrimitives.ReadInt16BigEndian(body[(p + 8)..]);
                var lastAppend = BinaryPrimitives.ReadInt64BigEndian(body[(p + 10)..]);
                var n = body[p + 18];
                p += 19;
                if (n > ProducerEntry.MaxBatches)
                {
                    return false;
                }
                var entry = new ProducerEntry(epoch) { LastAppendTimeMs = lastAppend };
                for (var b = 0; b < n; b++)
                {
                    entry.Add(epoch, new BatchMetadata(
                        BinaryPrimitives.ReadInt32BigEndian(body[p..]),
                        BinaryPrimitives.ReadInt32BigEndian(body[(p + 4)..]),
                        BinaryPrimitives.ReadInt64BigEndian(body[(p + 8)..]),
                        BinaryPrimitives.ReadInt64BigEndian(body[(p + 16)..])));
                    p += 24;
                }
                state.Restore(producerId, entry);
            }
            if (BinaryPrimitives.ReadInt16BigEndian(span[4..]) >= 2)
            {
                // Version 2: open transactions, then the aborted-transaction index.
                var open = BinaryPrimitives.ReadInt32BigEndian(body[p..]);
                p += 4;
                if (open < 0 || open > (body.Length - p) / 16)
                {
                    return false;
                }
                for (var i = 0; i < open; i++)
                {
                    state.RestoreOpen(BinaryPrimitives.ReadInt64BigEndian(body[p..]), BinaryPrimitives.ReadInt64BigEndian(body[(p + 8)..]));
                    p += 16;
                }
                var aborted = BinaryPrimitives.ReadInt32BigEndian(body[p..]);
                p += 4;
                if (aborted < 0 || aborted > (body.Length - p) / 24)
                {
                    return false;
                }
                for (var i = 0; i < aborted; i++)
                {
                    state.RestoreAborted(new AbortedTxn(
                        BinaryPrimitives.ReadInt64BigEndian(body[p..]),
                        BinaryPrimitives.ReadInt64BigEndian(body[(p + 8)..]),
                        BinaryPrimitives.ReadInt64BigEndian(body[(p + 16)..])));
                    p += 24;
                }
            }
            return p == body.Length;
        }
        catch (ArgumentOutOfRangeException)
        {
            _logger.LogWarning("Ignoring producer state snapshot {Path}: truncated", path);
            return false;
        }
    }

    /// <summary>Reads the marker type of the control batch at <paramref name="offset"/>.</summary>
    private bool TryReadControlType(PartitionLog log, long offset, out ControlRecordType type)
    {
        type = default;
        byte[] bytes;
        using (var region = log.Read(offset, 1, long.MaxValue, minOneBatch: true))
        {
            if (region.Length == 0)
            {
                return false;
            }
            bytes = region.ToArray();
        }
        try
        {
            foreach (var batch in new RecordBatchReader(bytes))
            {
                foreach (var record in batch.GetRecords())
                {
                    if (ControlRecord.TryParse(record.Key, record.Value, out var marker))
                    {
                        type = marker.Type;
                        return true;
                    }
                }
            }
        }
        catch (KafkaProtocolException e)
        {
            _logger.LogWarning("Unreadable control batch at {Topic}-{Partition}@{Offset}: {Reason}", log.Topic, log.Partition, offset, e.Message);
        }
        return false;
    }

    /// <summary>
    /// Appends a transaction marker (a control batch with one commit or abort record) for
    /// <paramref name="producerId"/> and applies it to the partition's transaction state: the open
    /// transaction ends, an abort is indexed, the producer's epoch moves to <paramref name="epoch"/>.
    /// Wakes read_committed long polls. Returns the marker's offset. Throws
    /// <see cref="StorageException"/> when the append fails.
    /// </summary>
    public long AppendMarker(PartitionLog log, long producerId, short epoch, bool commit, int coordinatorEpoch)
    {
        var state = Get(log);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using var builder = new RecordBatchBuilder(256);
        builder.Reset(producerId: producerId, producerEpoch: epoch, isTransactional: true, isControl: true);
        builder.AppendControlRecord(now, commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch);
        var bytes = builder.Build().ToArray();
        long offset;
        lock (state.Lock)
        {
            var result = log.Append(bytes, Server.BrokerServices.LeaderEpoch);
            if (!result.Succeeded)
            {
                throw new StorageException($"Writing a transaction marker to {log} failed: {result.Error}.");
            }
            offset = result.BaseOffset;
            state.CompleteTransaction(producerId, epoch, commit, offset, now);
        }
        log.SignalChanged(); // the last stable offset moved after the append woke the waiters
        return offset;
    }

    /// <summary>Writes a snapshot of one partition's state as of its current log end offset.</summary>
    public void Snapshot(PartitionProducerState state)
    {
        var log = state.Log;
        if (log.IsClosed)
        {
            return;
        }
        byte[] bytes;
        lock (state.Lock)
        {
            state.Expire(_time.GetUtcNow().ToUnixTimeMilliseconds() - (long)ProducerExpiration.TotalMilliseconds);
            // Idempotent appends hold this lock, so every batch below this offset is in the state.
            state.TrimAborted(log.LogStartOffset);
            var offset = log.LogEndOffset;
            var size = 34 + 4 + 4 + (state.OpenTransactions.Count * 16) + 4 + (state.AbortedTransactions.Count * 24);
            foreach (var entry in state.Producers.Values)
            {
                size += 19 + entry.Count * 24;
            }
            bytes = new byte[size];
            var span = bytes.AsSpan();
            BinaryPrimitives.WriteUInt32BigEndian(span, Magic);
            BinaryPrimitives.WriteInt16BigEndian(span[4..], FormatVersion);
            state.TopicId.TryWriteBytes(span.Slice(6, 16), bigEndian: true, out _);
            BinaryPrimitives.WriteInt64BigEndian(span[22..], offset);
            BinaryPrimitives.WriteInt32BigEndian(span[30..], state.ProducerCount);
            var p = 34;
            foreach (var (producerId, entry) in state.Producers)
            {
                BinaryPrimitives.WriteInt64BigEndian(span[p..], producerId);
                BinaryPrimitives.WriteInt16BigEndian(span[(p + 8)..], entry.Epoch);
                BinaryPrimitives.WriteInt64BigEndian(span[(p + 10)..], entry.LastAppendTimeMs);
                span[p + 18] = (byte)entry.Count;
                p += 19;
                foreach (var b in entry.Batches)
                {
                    BinaryPrimitives.WriteInt32BigEndian(span[p..], b.FirstSequence);
                    BinaryPrimitives.WriteInt32BigEndian(span[(p + 4)..], b.LastSequence);
                    BinaryPrimitives.WriteInt64BigEndian(span[(p + 8)..], b.FirstOffset);
                    BinaryPrimitives.WriteInt64BigEndian(span[(p + 16)..], b.LastOffset);
                    p += 24;
                }
            }
            BinaryPrimitives.WriteInt32BigEndian(span[p..], state.OpenTransactions.Count);
            p += 4;
            foreach (var (producerId, first) in state.OpenTransactions)
            {
                BinaryPrimitives.WriteInt64BigEndian(span[p..], producerId);
                BinaryPrimitives.WriteInt64BigEndian(span[(p + 8)..], first);
                p += 16;
            }
            BinaryPrimitives.WriteInt32BigEndian(span[p..], state.AbortedTransactions.Count);
            p += 4;
            foreach (var aborted in state.AbortedTransactions)
            {
                BinaryPrimitives.WriteInt64BigEndian(span[p..], aborted.ProducerId);
                BinaryPrimitives.WriteInt64BigEndian(span[(p + 8)..], aborted.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(p + 16)..], aborted.LastOffset);
                p += 24;
            }
            Debug.Assert(p + 4 == bytes.Length, "snapshot size");
            BinaryPrimitives.WriteUInt32BigEndian(span[p..], Crc32C.Compute(span[..p]));
            state.Dirty = false;
        }
        try
        {
            // Recovery replays from the snapshot's offset, so the snapshot must not get ahead of the
            // log on disk: flush the log to the snapshot offset first.
            log.FlushAsync().AsTask().GetAwaiter().GetResult();
            FileSystemSync.WriteAtomically(SnapshotPath(log.Topic, log.Partition), bytes);
        }
        catch (Exception e) when (e is StorageException or IOException or ObjectDisposedException)
        {
            state.Dirty = true;
            _logger.LogWarning("Producer state snapshot of {Topic}-{Partition} failed: {Reason}", log.Topic, log.Partition, e.Message);
        }
    }

    /// <summary>Snapshots every loaded partition (or only the changed ones) and forgets closed partitions.</summary>
    public void SnapshotAll(bool onlyDirty)
    {
        foreach (var (log, state) in _states)
        {
            if (log.IsClosed)
            {
                _states.TryRemove(log, out _);
                continue;
            }
            if (!onlyDirty || state.Dirty)
            {
                Snapshot(state);
            }
        }
    }

    /// <summary>
    /// Forgets <paramref name="log"/>'s in-memory state so the next <see cref="Get"/> rebuilds it from
    /// the snapshot and the log (replication: a follower's log grows without this manager seeing the
    /// batches, so state is rebuilt when it becomes leader). With <paramref name="deleteSnapshot"/> the
    /// snapshot goes too (after a follower truncation it may describe batches no longer in the log).
    /// </summary>
    public void Reset(PartitionLog log, bool deleteSnapshot)
    {
        lock (_loadLock)
        {
            _states.TryRemove(log, out _);
            if (deleteSnapshot)
            {
                try
                {
                    File.Delete(SnapshotPath(log.Topic, log.Partition));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _logger.LogWarning("Cannot delete producer state snapshot of {Topic}-{Partition}: {Reason}", log.Topic, log.Partition, e.Message);
                }
            }
        }
    }

    /// <summary>Forgets a deleted topic's state and snapshots.</summary>
    public void RemoveTopic(string topic, int partitions)
    {
        foreach (var log in _states.Keys)
        {
            if (log.Topic == topic)
            {
                _states.TryRemove(log, out _);
            }
        }
        for (var p = 0; p < partitions; p++)
        {
            try
            {
                File.Delete(SnapshotPath(topic, p));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("Cannot delete producer state snapshot of {Topic}-{Partition}: {Reason}", topic, p, e.Message);
            }
        }
    }

    /// <summary>Stops the loop and snapshots every loaded partition (call before the logs close).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
        SnapshotAll(onlyDirty: false);
        _stop.Dispose();
    }
}
