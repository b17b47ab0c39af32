using System.Diagnostics;
using LogBus.Transport.Kafka.Internal;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// A Kafka consumer on the managed protocol codec: group membership (JoinGroup/SyncGroup with the
/// range and round-robin assignors, background heartbeats), background fetchers with a bounded
/// prefetch per partition, pause/resume, seek, commits and auto offset reset. Also usable without a
/// group through <see cref="Assign"/>.
/// </summary>
/// <remarks>
/// <para>Threading: one owner calls it from one logical flow at a time; only <see cref="Wakeup"/> may be
/// called from another thread. Assignment changes are applied inside <see cref="FetchAsync"/>, where
/// the listener is called: revocations first (the member still owns the partitions and may commit),
/// then the new assignment (eager rebalancing).</para>
/// <para>Background work: one fetch loop (one outstanding fetch per broker) and, while a member of a
/// group, one heartbeat loop. Both stop on <see cref="DisposeAsync"/>, which also leaves the group.</para>
/// </remarks>
public sealed partial class KafkaConsumer : ITransportConsumer
{
    private readonly KafkaCluster _cluster;
    private readonly bool _ownsCluster;
    private readonly KafkaConsumerOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionPool _fetchPool;
    private readonly ConnectionPool _groupPool;
    private readonly Lock _gate = new();
    private readonly Dictionary<TopicPartition, PartitionState> _states = [];
    private readonly AsyncSignal _signal = new();
    private readonly AsyncSignal _fetcherWake = new();
    private readonly List<LogRecord> _batch = [];
    private readonly CancellationTokenSource _stopping = new();
    private PartitionState[] _order = [];
    private Task? _fetcher;
    private int _wakeup;
    private int _nextStart;
    private bool _disposed;

    /// <summary>Creates a consumer with its own connections to the cluster.</summary>
    public KafkaConsumer(KafkaConsumerOptions options, ILoggerFactory? loggerFactory = null)
        : this(new KafkaCluster(options ?? throw new ArgumentNullException(nameof(options)), loggerFactory), options, ownsCluster: true)
    {
    }

    internal KafkaConsumer(KafkaCluster cluster, KafkaConsumerOptions options, bool ownsCluster)
    {
        options.Validate();
        _cluster = cluster;
        _options = options;
        _ownsCluster = ownsCluster;
        _logger = cluster.Logger;
        // Fetches long-poll and JoinGroup blocks: each gets connections of its own, apart from the
        // shared ones (metadata, produce) and from each other (heartbeats must not queue behind fetches).
        _fetchPool = new ConnectionPool(options, _logger);
        _groupPool = new ConnectionPool(options, _logger);
    }

    /// <summary>The partitions currently assigned to this consumer.</summary>
    public IReadOnlyList<TopicPartition> Assignment
    {
        get
        {
            lock (_gate)
            {
                return _order.Select(s => s.Partition).ToList();
            }
        }
    }

    /// <summary>
    /// Assigns partitions manually, without a group: each starts at the offset given by a later
    /// <see cref="Seek"/>, or per <see cref="KafkaConsumerOptions.AutoOffsetReset"/>.
    /// </summary>
    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_subscription is not null)
        {
            throw new InvalidOperationException("This consumer is subscribed to a group; manual assignment is not possible.");
        }
        var list = partitions.ToList();
        _cluster.Track(list.Select(p => p.Topic).Distinct());
        lock (_gate)
        {
            foreach (var partition in list)
            {
                if (!_states.ContainsKey(partition))
                {
                    _states[partition] = new PartitionState(partition) { MaxBytes = _options.MaxPartitionFetchBytes, NeedsReset = true };
                }
            }
            _order = [.. _states.Values];
        }
        _manual = true;
        EnsureFetcher();
    }

    /// <summary>
    /// Returns the next prefetched records of the assigned, unpaused partitions (in offset order per
    /// partition, at most <see cref="KafkaConsumerOptions.MaxPollRecords"/>), waiting up to
    /// <paramref name="maxWait"/>. Runs group membership work (rebalances) and calls the listener.
    /// The returned list is reused by the next call.
    /// </summary>
    public async ValueTask<IReadOnlyList<LogRecord>> FetchAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_subscription is null && !_manual)
        {
            throw new InvalidOperationException("Subscribe or assign partitions before fetching.");
        }
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = maxWait - Stopwatch.GetElapsedTime(started);
            try
            {
                if (_subscription is not null && !await EnsureMembershipAsync(cancellationToken).ConfigureAwait(false))
                {
                    // Joining: nothing is assigned; wait for the join (it sets the signal), a wakeup or the deadline.
                    _batch.Clear();
                    if (remaining <= TimeSpan.Zero || Interlocked.Exchange(ref _wakeup, 0) == 1)
                    {
                        return _batch;
                    }
                    await _signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await InitializePositionsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex is KafkaConnectionException)
            {
                // The cluster is unreachable or moving: report nothing this round, try again next time.
                KafkaLog.GroupOperationFailed(_logger, _options.ClientId, _options.GroupId ?? "-", "fetch preparation", ex.Message);
                var pause = remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200);
                if (pause > TimeSpan.Zero)
                {
                    await _signal.WaitAsync(pause, cancellationToken).ConfigureAwait(false);
                }
                _batch.Clear();
                if (Stopwatch.GetElapsedTime(started) >= maxWait || Interlocked.Exchange(ref _wakeup, 0) == 1)
                {
                    return _batch;
                }
                continue;
            }
            _batch.Clear();
            Drain();
            if (_batch.Count > 0 || Interlocked.Exchange(ref _wakeup, 0) == 1)
            {
                return _batch;
            }
            remaining = maxWait - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return _batch;
            }
            await _signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Drain()
    {
        var max = _options.MaxPollRecords;
        var wakeFetcher = false;
        lock (_gate)
        {
            var order = _order;
            var count = order.Length;
            for (var i = 0; i < count && _batch.Count < max; i++)
            {
                var state = order[(_nextStart + i) % count];
                if (state.Paused || state.Buffered.Count == 0)
                {
                    continue;
                }
                var wasFull = state.BufferedBytes >= _options.PrefetchBytesPerPartition;
                while (_batch.Count < max && state.Buffered.TryDequeue(out var record))
                {
                    Debug.Assert(record.Offset >= state.Position, "records are returned once, in order");
                    _batch.Add(record);
                    state.Position = record.Offset + 1;
                    state.BufferedBytes -= SizeOf(record);
                }
                wakeFetcher |= wasFull && state.BufferedBytes < _options.PrefetchBytesPerPartition;
            }
            // Start at the next partition next time so one busy partition cannot starve the others.
            _nextStart = count == 0 ? 0 : (_nextStart + 1) % count;
        }
        if (wakeFetcher)
        {
            _fetcherWake.Set();
        }
    }

    internal static long SizeOf(LogRecord record) => record.PayloadSize + 96;

    /// <summary>Moves the position of an assigned partition; prefetched records are dropped.</summary>
    public void Seek(TopicPartitionOffset position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position.Offset);
        lock (_gate)
        {
            if (!_states.TryGetValue(position.TopicPartition, out var state))
            {
                throw new InvalidOperationException($"Cannot seek {position.TopicPartition}: it is not assigned to this consumer.");
            }
            state.ClearBuffer();
            state.Position = position.Offset;
            state.FetchPosition = position.Offset;
            state.NeedsReset = false;
            state.Epoch++;
        }
        _fetcherWake.Set();
    }

    /// <summary>Stops returning (and fetching) records of a partition until <see cref="Resume"/>.</summary>
    public void Pause(TopicPartition partition)
    {
        lock (_gate)
        {
            if (_states.TryGetValue(partition, out var state))
            {
                state.Paused = true;
            }
        }
    }

    /// <summary>Returns records of a paused partition again.</summary>
    public void Resume(TopicPartition partition)
    {
        lock (_gate)
        {
            if (_states.TryGetValue(partition, out var state))
            {
                state.Paused = false;
            }
        }
        _fetcherWake.Set();
        _signal.Set();
    }

    /// <summary>Makes a waiting (or the next) <see cref="FetchAsync"/> return promptly. Thread-safe.</summary>
    public void Wakeup()
    {
        Volatile.Write(ref _wakeup, 1);
        _signal.Set();
    }

    private void EnsureFetcher()
    {
        lock (_gate)
        {
            _fetcher ??= Task.Run(FetchLoopAsync);
        }
        _fetcherWake.Set();
    }

    /// <summary>
    /// Leaves the group (partitions are released without revocation callbacks: the owner drains and
    /// commits before disposing), stops the background loops and closes the consumer's connections.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await StopHeartbeatAsync().ConfigureAwait(false);
        await LeaveGroupAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _fetcherWake.Set();
        foreach (var loop in new[] { _fetcher, _joining, _decodeTail })
        {
            if (loop is null)
            {
                continue;
            }
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or KafkaException)
            {
                // stopping: a join or fetch cut short
            }
        }
        await _fetchPool.DisposeAsync().ConfigureAwait(false);
        await _groupPool.DisposeAsync().ConfigureAwait(false);
        if (_ownsCluster)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
