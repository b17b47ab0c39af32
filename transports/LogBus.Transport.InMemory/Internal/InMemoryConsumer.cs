using System.Diagnostics;

namespace LogBus.Transport.InMemory.Internal;

/// <summary>
/// A group member. Assignment changes are applied at the start of <see cref="FetchAsync"/>: revoked
/// partitions go through the listener and are released, then free target partitions are acquired and
/// start at the committed offset (or per <see cref="AutoOffsetReset"/>).
/// </summary>
internal sealed class InMemoryConsumer(InMemoryBroker broker, ConsumerSpecification specification) : ITransportConsumer
{
    private readonly Dictionary<TopicPartition, PartitionState> _owned = [];
    private readonly List<PartitionState> _order = [];
    private readonly List<LogRecord> _batch = [];
    private InMemoryGroup? _group;
    private IPartitionAssignmentListener? _listener;
    private int _nextStart;
    private int _wakeup;
    private bool _disposed;

    public AsyncSignal Signal { get; } = new();

    public ValueTask SubscribeAsync(IReadOnlyCollection<string> topics, IPartitionAssignmentListener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(listener);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_group is not null)
        {
            throw new InvalidOperationException("This consumer is already subscribed.");
        }
        _listener = listener;
        _group = broker.GetGroup(specification.GroupId);
        _group.Join(this, topics);
        return ValueTask.CompletedTask;
    }

    /// <remarks>The returned list is reused: it is valid until the next call.</remarks>
    public async ValueTask<IReadOnlyList<LogRecord>> FetchAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_group is null)
        {
            throw new InvalidOperationException("Subscribe before fetching.");
        }
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await SyncAssignmentAsync(cancellationToken).ConfigureAwait(false);
            _batch.Clear();
            ReadAvailable();
            if (_batch.Count > 0 || Interlocked.Exchange(ref _wakeup, 0) == 1)
            {
                return _batch;
            }
            var remaining = maxWait - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return _batch;
            }
            await Signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ObjectDisposedException.ThrowIf(_disposed, this);
        (_group ?? throw new InvalidOperationException("Subscribe before committing.")).Commit(this, offsets);
        return ValueTask.CompletedTask;
    }

    public ValueTask<long?> GetCommittedOffsetAsync(TopicPartition partition, CancellationToken cancellationToken) =>
        ValueTask.FromResult(broker.GetGroup(specification.GroupId).GetCommitted(partition));

    public void Seek(TopicPartitionOffset position)
    {
        if (!_owned.TryGetValue(position.TopicPartition, out var state))
        {
            throw new InvalidOperationException($"Cannot seek {position.TopicPartition}: it is not assigned to this consumer.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(position.Offset);
        state.Position = position.Offset;
        Signal.Set();
    }

    public void Pause(TopicPartition partition)
    {
        if (_owned.TryGetValue(partition, out var state))
        {
            state.Paused = true;
        }
    }

    public void Resume(TopicPartition partition)
    {
        if (_owned.TryGetValue(partition, out var state))
        {
            state.Paused = false;
            Signal.Set();
        }
    }

    public void Wakeup()
    {
        Volatile.Write(ref _wakeup, 1);
        Signal.Set();
    }

    /// <summary>Leaves the group. Owned partitions are released without revocation callbacks: the owner
    /// drains and commits before disposing.</summary>
    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }
        _disposed = true;
        foreach (var state in _order)
        {
            state.Partition.RemoveListener(Signal);
        }
        _owned.Clear();
        _order.Clear();
        _group?.Leave(this);
        return ValueTask.CompletedTask;
    }

    private async ValueTask SyncAssignmentAsync(CancellationToken cancellationToken)
    {
        var (revoke, assign) = _group!.Plan(this, _owned.Keys);
        if (revoke.Count > 0)
        {
            // Still the owner while the listener drains and commits.
            await _listener!.OnPartitionsRevokedAsync(revoke, cancellationToken).ConfigureAwait(false);
            foreach (var partition in revoke)
            {
                if (_owned.Remove(partition, out var state))
                {
                    _order.Remove(state);
                    state.Partition.RemoveListener(Signal);
                }
            }
            _group.Release(this, revoke);
        }
        if (assign.Count > 0)
        {
            var taken = _group.Acquire(this, assign);
            if (taken.Count == 0)
            {
                return;
            }
            foreach (var partition in taken)
            {
                var log = broker.GetTopic(partition.Topic).Partitions[partition.Partition];
                var committed = _group.GetCommitted(partition);
                var position = committed ?? (specification.AutoOffsetReset == AutoOffsetReset.Earliest ? log.StartOffset : log.EndOffset);
                var state = new PartitionState(partition, log) { Position = position };
                _owned[partition] = state;
                _order.Add(state);
                log.AddListener(Signal);
            }
            await _listener!.OnPartitionsAssignedAsync(taken, cancellationToken).ConfigureAwait(false);
        }
    }

    private void ReadAvailable()
    {
        var max = specification.MaxFetchRecords;
        var count = _order.Count;
        for (var i = 0; i < count && _batch.Count < max; i++)
        {
            var state = _order[(_nextStart + i) % count];
            if (state.Paused || state.Position >= state.Partition.EndOffset)
            {
                continue;
            }
            state.Position = state.Partition.Read(state.Position, max - _batch.Count, _batch);
        }
        // Start at the next partition next time, so one busy partition cannot starve the others.
        _nextStart = count == 0 ? 0 : (_nextStart + 1) % count;
    }

    private sealed class PartitionState(TopicPartition id, InMemoryPartition partition)
    {
        public TopicPartition Id { get; } = id;
        public InMemoryPartition Partition { get; } = partition;
        public long Position { get; set; }
        public bool Paused { get; set; }
    }
}
