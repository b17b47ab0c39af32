using System.Collections.Concurrent;
using System.Diagnostics;
using LogBus.Broker.Groups;
using LogBus.Broker.Producers;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Broker.Transactions;

/// <summary>
/// Kafka's transaction coordinator for one broker: binds transactional ids to producer ids and epochs
/// (InitProducerId fences older epochs), tracks the partitions and consumer groups of each open
/// transaction, and completes transactions by writing commit or abort markers to every partition (and,
/// on commit, the pending consumer offsets to the group coordinator). State lives in
/// <c>__transaction_state</c> and is replayed at open; transactions found prepared are finished then.
/// </summary>
/// <remarks>
/// <para>Durability: every state change is appended to <c>__transaction_state</c> and fsynced before it
/// becomes current and before the request is answered. A Prepare state is durable before the first
/// marker, so a crash between markers is finished after restart (markers are idempotent for the
/// partition state: a second marker for a transaction that is not open changes nothing).</para>
/// <para>Concurrency: operations on one transactional id run one at a time (<see cref="TransactionMetadata.Gate"/>,
/// bounded by <see cref="GateTimeout"/>); different ids run in parallel. Timeouts: one timer checks every
/// <see cref="TransactionCoordinatorOptions.TimeoutCheckInterval"/>; an open transaction older than its
/// timeout is aborted with a bumped epoch (the producer is fenced, as Kafka does).</para>
/// </remarks>
internal sealed partial class TransactionCoordinator : IAsyncDisposable
{
    /// <summary>The coordinator epoch written into markers (one coordinator per single-node broker).</summary>
    public const int CoordinatorEpoch = 0;

    /// <summary>Longest wait for another operation on the same transactional id.</summary>
    public static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, TransactionMetadata> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TransactionMetadata> _byProducerId = new();
    private readonly LogManager _logs;
    private readonly ProducerStateManager _producers;
    private readonly ProducerIdAllocator _producerIds;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _storesLock = new();
    private OffsetsPartitionStore[]? _stores;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private Task _sweep = Task.CompletedTask;
    private int _sweeping;
    private int _closed;

    private TransactionCoordinator(LogManager logs, ProducerStateManager producers, ProducerIdAllocator producerIds, GroupCoordinator groups, TransactionCoordinatorOptions options, OffsetsPartitionStore[]? stores, ILogger logger)
    {
        _logs = logs;
        _producers = producers;
        _producerIds = producerIds;
        _groups = groups;
        _options = options;
        _time = options.TimeProvider;
        _stores = stores;
        _logger = logger;
    }

    /// <summary>
    /// Tests: completions stop after the Prepare state is durable, as if the broker died between the
    /// decision and the markers (a restarted coordinator must finish them).
    /// </summary>
    internal bool StopAfterPrepareForTests { get; set; }

    /// <summary>Known transactional ids (tests, diagnostics).</summary>
    public int TransactionalIdCount => _byId.Count;

    private bool IsClosed => Volatile.Read(ref _closed) != 0;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Opens the coordinator: creates <c>__transaction_state</c> when missing, replays it, finishes the
    /// transactions found in a Prepare state (markers, offsets, Complete state) and starts the timeout timer.
    /// Open transactions stay open: their producers may continue, or they time out.
    /// </summary>
    public static async Task<TransactionCoordinator> OpenAsync(LogManager logs, ProducerStateManager producers, ProducerIdAllocator producerIds, GroupCoordinator groups, TransactionCoordinatorOptions options, ILogger? logger = null)
    {
        options.Validate();
        logger ??= NullLogger.Instance;
        // Like Kafka, the state topic is created on first use (the first transactional InitProducerId).
        var stores = logs.GetTopic(TransactionCoordinatorOptions.StateTopicName) is null ? null : OpenStores(logs, options, logger);
        var coordinator = new TransactionCoordinator(logs, producers, producerIds, groups, options, stores, logger);
        await Task.Run(coordinator.LoadAsync).ConfigureAwait(false);
        coordinator._timer = options.TimeProvider.CreateTimer(static s => ((TransactionCoordinator)s!).OnTimer(), coordinator, options.TimeoutCheckInterval, options.TimeoutCheckInterval);
        return coordinator;
    }

    private static OffsetsPartitionStore[] OpenStores(LogManager logs, TransactionCoordinatorOptions options, ILogger logger)
    {
        var topic = logs.GetTopic(TransactionCoordinatorOptions.StateTopicName);
        if (topic is null)
        {
            var config = LogConfig.Default with { SegmentBytes = options.StateSegmentBytes, CleanupPolicy = CleanupPolicy.Compact };
            logs.TryCreateTopic(TransactionCoordinatorOptions.StateTopicName, options.StateTopicPartitions, config, out topic);
        }
        var stores = new OffsetsPartitionStore[topic.Partitions];
        for (var p = 0; p < stores.Length; p++)
        {
            var log = logs.GetLog(TransactionCoordinatorOptions.StateTopicName, p)
                ?? throw new StorageException($"Partition {p} of {TransactionCoordinatorOptions.StateTopicName} is missing.");
            stores[p] = new OffsetsPartitionStore(log, options.StateSnapshotMinBytes, options.StateSnapshotFactor, options.TimeProvider, logger,
                static key => TransactionRecordFormat.TryDecodeKey(key, out _));
        }
        return stores;
    }

    /// <summary>The state stores, creating <c>__transaction_state</c> on first use.</summary>
    private OffsetsPartitionStore[] Stores()
    {
        if (Volatile.Read(ref _stores) is { } stores)
        {
            return stores;
        }
        lock (_storesLock)
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return _stores ??= OpenStores(_logs, _options, _logger);
        }
    }

    /// <summary>Maps a transactional id to its partition of <c>__transaction_state</c> (Java's String.hashCode, as Kafka).</summary>
    public static int PartitionFor(string transactionalId, int partitions) => GroupCoordinator.PartitionFor(transactionalId, partitions);

    private async Task LoadAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        int read = 0, skipped = 0;
        foreach (var store in _stores ?? [])
        {
            var live = store.Replay(out var r, out var s);
            read += r;
            skipped += s;
            foreach (var (key, value) in live)
            {
                if (!TransactionRecordFormat.TryDecodeKey(key, out var id) || !TransactionRecordFormat.TryDecode(value, out var record))
                {
                    skipped++;
                    continue;
                }
                var metadata = new TransactionMetadata(id, store.Partition, record!);
                _byId[id] = metadata;
                _byProducerId[record!.ProducerId] = metadata;
            }
        }
        var finished = 0;
        foreach (var metadata in _byId.Values)
        {
            if (metadata.Current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
            {
                await metadata.Gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    if (await CompleteAsync(metadata, metadata.Current).ConfigureAwait(false))
                    {
                        finished++;
                    }
                }
                finally
                {
                    metadata.Gate.Release();
                }
            }
        }
        _logger.LogInformation(
            "Transaction coordinator loaded {Ids} transactional ids from {Records} records in {Elapsed} ms ({Finished} prepared transactions finished, {Open} open, {Skipped} unreadable records skipped)",
            _byId.Count, read, stopwatch.ElapsedMilliseconds, finished, _byId.Values.Count(m => m.Current.State == TransactionState.Ongoing), skipped);
    }

    /// <summary>The transactional id owning <paramref name="producerId"/>, or null.</summary>
    public TransactionMetadata? FindByProducerId(long producerId) => _byProducerId.TryGetValue(producerId, out var m) ? m : null;

    /// <summary>The state of a transactional id (tests, diagnostics), or null.</summary>
    public TransactionRecord? Describe(string transactionalId) => _byId.TryGetValue(transactionalId, out var m) ? m.Current : null;

    /// <summary>
    /// Checks a transactional batch of <paramref name="producerId"/>/<paramref name="epoch"/> for a
    /// partition against the coordinator: the producer must hold the transactional id's current epoch
    /// and the partition must be in its open transaction. Call under <see cref="TransactionMetadata.Lock"/>
    /// and append under it too.
    /// </summary>
    public static ErrorCode CheckAppend(TransactionMetadata metadata, long producerId, short epoch, string topic, int partition)
    {
        Debug.Assert(metadata.Lock.IsHeldByCurrentThread, "transaction lock not held");
        var current = metadata.Current;
        if (current.ProducerId != producerId)
        {
            return ErrorCode.InvalidProducerIdMapping;
        }
        if (current.ProducerEpoch != epoch)
        {
            return ErrorCode.InvalidProducerEpoch;
        }
        return current.State == TransactionState.Ongoing && current.Partitions.Contains((topic, partition)) ? ErrorCode.None : ErrorCode.InvalidTxnState;
    }

    // ---- state writes ------------------------------------------------------------------------------

    /// <summary>Appends <paramref name="next"/>, waits for its fsync, then makes it current. Under the gate.</summary>
    private async ValueTask WriteAsync(TransactionMetadata metadata, TransactionRecord next)
    {
        Debug.Assert(metadata.Gate.CurrentCount == 0, "gate not held");
        var store = Stores()[metadata.StatePartition];
        var end = store.Append([new OffsetsRecord(TransactionRecordFormat.Key(metadata.TransactionalId), TransactionRecordFormat.Encode(next))]);
        await store.WhenDurableAsync(end).ConfigureAwait(false);
        _ = store.MaybeStartSnapshot();
        var previous = metadata.Current;
        metadata.Current = next;
        if (previous.ProducerId != next.ProducerId)
        {
            if (previous.ProducerId >= 0)
            {
                _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(previous.ProducerId, metadata));
            }
            _byProducerId[next.ProducerId] = metadata;
        }
    }

    /// <summary>
    /// Finishes a prepared transaction: markers to every partition, pending offsets to their groups on
    /// commit, then the Complete state. False when a step failed (the Prepare state stays; the timer retries).
    /// Under the gate.
    /// </summary>
    private async ValueTask<bool> CompleteAsync(TransactionMetadata metadata, TransactionRecord prepared)
    {
        Debug.Assert(prepared.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort, "not prepared");
        var commit = prepared.State == TransactionState.PrepareCommit;
        if (StopAfterPrepareForTests)
        {
            return false;
        }
        try
        {
            foreach (var (topic, partition) in prepared.Partitions)
            {
                var log = _logs.GetLog(topic, partition);
                if (log is null)
                {
                    continue; // deleted: nothing to mark
                }
                _producers.AppendMarker(log, prepared.ProducerId, prepared.ProducerEpoch, commit, CoordinatorEpoch);
            }
            if (commit)
            {
                foreach (var (group, offsets) in prepared.Offsets)
                {
                    var error = await _groups.CommitTransactionalOffsetsAsync(group, offsets).ConfigureAwait(false);
                    if (error != ErrorCode.None)
                    {
                        _logger.LogWarning("Transaction {Id}: committing offsets of group {Group} failed ({Error}); retried later", metadata.TransactionalId, group, error);
                        return false;
                    }
                }
            }
            await WriteAsync(metadata, prepared with
            {
                State = commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
                StartTimestampMs = -1,
                UpdateTimestampMs = NowMs,
                Partitions = TransactionRecord.NoPartitions,
                Offsets = TransactionRecord.NoOffsets,
            }).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            _logger.LogWarning(e, "Transaction {Id}: completing the {Outcome} failed; retried later", metadata.TransactionalId, commit ? "commit" : "abort");
            return false;
        }
    }

    /// <summary>
    /// Aborts the open transaction of <paramref name="metadata"/> with the epoch bumped, fencing its
    /// producer (timeouts, InitProducerId over an open transaction). Under the gate.
    /// </summary>
    private async ValueTask<bool> AbortAndFenceAsync(TransactionMetadata metadata)
    {
        var current = metadata.Current;
        Debug.Assert(current.State == TransactionState.Ongoing, "no open transaction");
        var epoch = current.ProducerEpoch < short.MaxValue ? (short)(current.ProducerEpoch + 1) : current.ProducerEpoch;
        var prepared = current with { State = TransactionState.PrepareAbort, ProducerEpoch = epoch, UpdateTimestampMs = NowMs };
        await WriteAsync(metadata, prepared).ConfigureAwait(false);
        return await CompleteAsync(metadata, prepared).ConfigureAwait(false);
    }

    // ---- timer -------------------------------------------------------------------------------------

    private void OnTimer()
    {
        if (IsClosed || Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }
        _sweep = Task.Run(async () =>
        {
            try
            {
                await SweepAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Transaction timeout check failed");
            }
            finally
            {
                Volatile.Write(ref _sweeping, 0);
            }
        });
    }

    /// <summary>Aborts timed-out transactions and retries unfinished completions (also called by tests).</summary>
    internal async Task SweepAsync()
    {
        foreach (var metadata in _byId.Values)
        {
            if (IsClosed)
            {
                return;
            }
            var current = metadata.Current;
            var timedOut = current.State == TransactionState.Ongoing && NowMs > current.StartTimestampMs + current.TimeoutMs;
            var unfinished = current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort;
            if (!timedOut && !unfinished)
            {
                continue;
            }
            if (!await metadata.Gate.WaitAsync(0).ConfigureAwait(false))
            {
                continue; // busy: next round
            }
            try
            {
                current = metadata.Current;
                if (current.State == TransactionState.Ongoing && NowMs > current.StartTimestampMs + current.TimeoutMs)
                {
                    _logger.LogInformation("Transaction {Id} (producer {ProducerId}, epoch {Epoch}) timed out after {Timeout} ms: aborting and fencing the producer",
                        metadata.TransactionalId, current.ProducerId, current.ProducerEpoch, current.TimeoutMs);
                    await AbortAndFenceAsync(metadata).ConfigureAwait(false);
                }
                else if (current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
                {
                    await CompleteAsync(metadata, current).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
            {
                _logger.LogWarning(e, "Transaction {Id}: timeout handling failed; retried later", metadata.TransactionalId);
            }
            finally
            {
                metadata.Gate.Release();
            }
        }
    }

    /// <summary>Stops the timer and waits for a running check; state is already durable.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
        await _sweep.ConfigureAwait(false);
        OffsetsPartitionStore[]? stores;
        lock (_storesLock)
        {
            stores = _stores;
        }
        foreach (var store in stores ?? [])
        {
            await store.StopAsync().ConfigureAwait(false);
        }
        // _stopping is not disposed: a request racing with shutdown may still read its token.
    }
}
