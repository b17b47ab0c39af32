using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Groups;

/// <summary>
/// One partition of <c>__consumer_offsets</c> used as a durable key-value log: appends records (latest
/// value per key wins, a null value deletes), keeps the live records in memory, and replays them on
/// startup. Storage never compacts, so the store bounds the log itself: when the log outgrows its live
/// records it appends a snapshot of them (a fresh segment), waits until that is fsynced, moves the log
/// start offset to the snapshot and deletes the older segments.
/// </summary>
/// <remarks>
/// Concurrency: one lock serializes appends, the in-memory map and snapshot writes, so the map always
/// equals the replay of the log up to its end. Durability: <see cref="Append"/> returns once the bytes
/// are in the page cache; <see cref="WhenDurableAsync"/> completes after the fsync that covers them
/// (acknowledge commits only after it). A crash while a snapshot is written leaves the log start where it
/// was: replay then reads the old records and the partial snapshot, which repeats live values only.
/// </remarks>
internal sealed class OffsetsPartitionStore : IDisposable
{
    private const int ReadChunkBytes = 1 << 20;

    private readonly Lock _lock = new();
    private readonly PartitionLog _log;
    private readonly Dictionary<byte[], byte[]> _live = new(ByteArrayComparer.Instance);
    private readonly RecordBatchBuilder _builder = new();
    private readonly PooledBufferWriter _records = new();
    private readonly long _snapshotMinBytes;
    private readonly int _snapshotFactor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<byte[], bool>? _isKnownKey;
    private long _liveBytes;
    private int _snapshotRunning;
    private Task? _snapshotTask;
    private bool _disposed;

    /// <param name="log">The partition.</param>
    /// <param name="snapshotMinBytes">Smallest log size that triggers a snapshot.</param>
    /// <param name="snapshotFactor">The log must also exceed this many times the live bytes.</param>
    /// <param name="time">The clock (record timestamps).</param>
    /// <param name="logger">Logging.</param>
    /// <param name="isKnownKey">Which keys replay accepts; null: <c>__consumer_offsets</c> keys. The
    /// transaction coordinator reuses this store for <c>__transaction_state</c> with its own keys.</param>
    public OffsetsPartitionStore(PartitionLog log, long snapshotMinBytes, int snapshotFactor, TimeProvider time, ILogger logger, Func<byte[], bool>? isKnownKey = null)
    {
        _isKnownKey = isKnownKey;
        _log = log;
        _snapshotMinBytes = snapshotMinBytes;
        _snapshotFactor = snapshotFactor;
        _time = time;
        _logger = logger;
    }

    /// <summary>The partition index in <c>__consumer_offsets</c>.</summary>
    public int Partition => _log.Partition;

    /// <summary>The underlying log (tests and diagnostics).</summary>
    public PartitionLog Log => _log;

    /// <summary>Live keys (latest value not a tombstone).</summary>
    public int LiveCount
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Bytes of the live keys and values.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Snapshots written since open (tests, diagnostics).</summary>
    public int SnapshotCount { get; private set; }

    /// <summary>
    /// Reads the whole log (from its start offset) into the live map and returns the live records.
    /// Records that do not decode as ours are counted in <paramref name="skipped"/> and ignored.
    /// </summary>
    public List<KeyValuePair<byte[], byte[]>> Replay(out int read, out int skipped)
    {
        read = 0;
        skipped = 0;
        lock (_lock)
        {
            _live.Clear();
            _liveBytes = 0;
            var offset = _log.LogStartOffset;
            var end = _log.LogEndOffset;
            while (offset < end)
            {
                byte[] bytes;
                using (var region = _log.Read(offset, ReadChunkBytes, end))
                {
                    if (region.OffsetOutOfRange || region.Length == 0)
                    {
                        break;
                    }
                    bytes = region.ToArray();
                }
                var next = offset;
                foreach (var batch in new RecordBatchReader(bytes))
                {
                    next = batch.Header.LastOffset + 1;
                    if (batch.Header.IsControl)
                    {
                        continue;
                    }
                    foreach (var record in batch.GetRecords())
                    {
                        if (record.Offset < offset)
                        {
                            continue;
                        }
                        read++;
                        if (record.IsKeyNull)
                        {
                            skipped++;
                            continue;
                        }
                        var key = record.Key.ToArray();
                        if (!(_isKnownKey?.Invoke(key) ?? OffsetsRecordFormat.TryDecodeKey(key, out _)))
                        {
                            skipped++;
                            continue;
                        }
                        ApplyLocked(key, record.IsValueNull ? null : record.Value.ToArray());
                    }
                }
                if (next <= offset)
                {
                    throw new StorageException($"Replay of {_log} made no progress at offset {offset}.");
                }
                offset = next;
            }
            return [.. _live];
        }
    }

    /// <summary>
    /// Appends <paramref name="records"/> as one record set (split into batches below the log's batch
    /// limit) and applies them to the live map. Returns the offset after the last record: pass it to
    /// <see cref="WhenDurableAsync"/>. Throws <see cref="StorageException"/> when the log fails
    /// (nothing applied).
    /// </summary>
    public long Append(ReadOnlySpan<OffsetsRecord> records)
    {
        Debug.Assert(!records.IsEmpty, "nothing to append");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var end = AppendLocked(records);
            foreach (var r in records)
            {
                ApplyLocked(r.Key, r.Value);
            }
            return end;
        }
    }

    /// <summary>Completes when everything below <paramref name="endOffset"/> is fsynced.</summary>
    public ValueTask WhenDurableAsync(long endOffset) => _log.FlushToAsync(endOffset);

    /// <summary>True when the log holds more than the snapshot thresholds allow.</summary>
    public bool NeedsSnapshot
    {
        get
        {
            var size = _log.SizeInBytes;
            return size > _snapshotMinBytes && size > _snapshotFactor * Math.Max(LiveBytes, 1);
        }
    }

    /// <summary>
    /// Starts <see cref="SnapshotAsync"/> in the background when <see cref="NeedsSnapshot"/> and none is
    /// running; returns the running or started task (null when none is needed).
    /// </summary>
    public Task? MaybeStartSnapshot()
    {
        if (!NeedsSnapshot || Interlocked.CompareExchange(ref _snapshotRunning, 1, 0) != 0)
        {
            return null;
        }
        var task = Task.Run(async () =>
        {
            try
            {
                await SnapshotCoreAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
            {
                _logger.LogWarning(e, "Snapshot of {Log} failed; the log keeps its older records", _log);
            }
            finally
            {
                Volatile.Write(ref _snapshotRunning, 0);
            }
        });
        _snapshotTask = task;
        return task;
    }

    /// <summary>Waits for a running snapshot, then releases the buffers; appends fail afterwards.</summary>
    public async Task StopAsync()
    {
        if (_snapshotTask is { } running)
        {
            await running.ConfigureAwait(false);
        }
        Dispose();
    }

    /// <summary>Writes a snapshot now, whatever the thresholds say (tests).</summary>
    public async Task SnapshotAsync()
    {
        while (Interlocked.CompareExchange(ref _snapshotRunning, 1, 0) != 0)
        {
            await Task.Yield();
        }
        try
        {
            await SnapshotCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _snapshotRunning, 0);
        }
    }

    private async Task SnapshotCoreAsync()
    {
        long start, end;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _log.Roll(); // the snapshot starts a segment: everything before it can go as whole segments
            start = _log.LogEndOffset;
            end = start;
            if (_live.Count > 0)
            {
                var records = new OffsetsRecord[_live.Count];
                var i = 0;
                foreach (var (key, value) in _live)
                {
                    records[i++] = new OffsetsRecord(key, value);
                }
                end = AppendLocked(records);
            }
        }
        await _log.FlushToAsync(end).ConfigureAwait(false);
        // Only now may the older records go: the snapshot is durable.
        _log.IncreaseLogStartOffset(start);
        var deleted = _log.DeleteRetainedSegments();
        SnapshotCount++;
        _logger.LogInformation("Snapshot of {Log}: {Live} live records at {Start}, {Deleted} old segments deleted", _log, end - start, start, deleted);
    }

    private long AppendLocked(ReadOnlySpan<OffsetsRecord> records)
    {
        var maxBatch = Math.Max(1024, _log.Config.MaxBatchBytes - 1024);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _records.Clear();
        _builder.Reset();
        foreach (var r in records)
        {
            // Explicitly null for tombstones: byte[] converts to an empty (not null) ReadOnlyMemory.
            ReadOnlyMemory<byte>? value = r.Value is null ? null : r.Value;
            if (!_builder.TryAppendNullable(now, r.Key, value, default, maxBatch))
            {
                if (_builder.Count == 0)
                {
                    throw new StorageException($"A record of {r.Key.Length + (r.Value?.Length ?? 0)} bytes does not fit in a batch of {_log}.");
                }
                _records.Write(_builder.Build().Span);
                _builder.Reset();
                if (!_builder.TryAppendNullable(now, r.Key, value, default, maxBatch))
                {
                    throw new StorageException($"A record of {r.Key.Length + (r.Value?.Length ?? 0)} bytes does not fit in a batch of {_log}.");
                }
            }
        }
        _records.Write(_builder.Build().Span);
        var span = MemoryMarshal.AsMemory(_records.WrittenMemory).Span;
        var result = _log.Append(span, leaderEpoch: 0);
        if (!result.Succeeded)
        {
            throw new StorageException($"Append to {_log} failed: {result.Error}.");
        }
        return result.LastOffset + 1;
    }

    private void ApplyLocked(byte[] key, byte[]? value)
    {
        if (_live.Remove(key, out var old))
        {
            _liveBytes -= key.Length + old.Length;
        }
        if (value is not null)
        {
            _live[key] = value;
            _liveBytes += key.Length + value.Length;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _builder.Dispose();
            _records.Dispose();
        }
    }
}
