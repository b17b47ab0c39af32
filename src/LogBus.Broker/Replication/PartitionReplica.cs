using System.Collections.Immutable;
using System.Diagnostics;
using LogBus.Broker.Storage;

namespace LogBus.Broker.Replication;

/// <summary>
/// This broker's replica of one partition: its role from the metadata image (leader or follower, leader
/// epoch, ISR) and, while it leads, what it knows of each follower (log end offset from its last fetch,
/// when it was last caught up). The leader derives the high watermark from the ISR: the lowest log end
/// offset among ISR members (itself included); it only moves forward.
/// </summary>
/// <remarks>
/// Thread-safety: role fields are replaced together under <see cref="_lock"/> by the replica manager;
/// fetch handlers (followers' fetches) and produce handlers read and update follower state under it too.
/// </remarks>
internal sealed class PartitionReplica
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, FollowerState> _followers = [];
    private CancellationTokenSource _leadership = new();

    // acks=all waiters by the high watermark they need: completed exactly when it passes, instead of
    // waking every waiter on every log change.
    private readonly PriorityQueue<TaskCompletionSource, long> _waiters = new();

    public PartitionReplica(int nodeId, PartitionLog log)
    {
        NodeId = nodeId;
        Log = log;
    }

    /// <summary>This broker.</summary>
    public int NodeId { get; }

    /// <summary>The local log.</summary>
    public PartitionLog Log { get; }

    /// <summary>The leader from the last applied image (-1: none).</summary>
    public int Leader { get; private set; } = -1;

    /// <summary>The leader epoch from the last applied image.</summary>
    public int LeaderEpoch { get; private set; } = -1;

    /// <summary>The partition epoch from the last applied image (ISR changes must name it).</summary>
    public int PartitionEpoch { get; private set; } = -1;

    /// <summary>The ISR from the last applied image.</summary>
    public ImmutableArray<int> Isr { get; private set; } = [];

    /// <summary>Whether this broker leads the partition.</summary>
    public bool IsLeader => Leader == NodeId;

    /// <summary>Cancelled when this broker stops leading in the current epoch (acks=all waits end).</summary>
    public CancellationToken Leadership
    {
        get
        {
            lock (_lock)
            {
                return _leadership.Token;
            }
        }
    }

    /// <summary>An ISR change proposed by this leader and not yet seen in the image.</summary>
    public bool IsrChangeInFlight { get; set; }

    /// <summary>The follower fetcher while this broker follows.</summary>
    public ReplicaFetcher? Fetcher { get; set; }

    /// <summary>Applies the partition's state from a new image; returns whether leadership or the leader epoch changed.</summary>
    public bool Update(int leader, int leaderEpoch, int partitionEpoch, ImmutableArray<int> isr, long nowMs)
    {
        lock (_lock)
        {
            var roleChanged = leader != Leader || leaderEpoch != LeaderEpoch;
            if (roleChanged)
            {
                _waiters.Clear(); // their waits end through the cancelled leadership token
                _leadership.Cancel();
                _leadership.Dispose();
                _leadership = new CancellationTokenSource();
                _followers.Clear();
            }

            Leader = leader;
            LeaderEpoch = leaderEpoch;
            PartitionEpoch = partitionEpoch;
            Isr = isr;
            IsrChangeInFlight = false;
            foreach (var id in isr)
            {
                if (id != NodeId && !_followers.ContainsKey(id))
                {
                    _followers[id] = new FollowerState { LastCaughtUpMs = nowMs };
                }
            }

            return roleChanged;
        }
    }

    /// <summary>
    /// A follower fetched from <paramref name="fetchOffset"/> (so its log ends there). Updates its
    /// caught-up time (Kafka's rule: it reached the leader's log end as of its previous fetch) and the
    /// high watermark.
    /// </summary>
    /// <returns>True when the follower is outside the ISR but caught up to the high watermark (the leader should add it).</returns>
    public bool RecordFollowerFetch(int replicaId, long fetchOffset, long nowMs)
    {
        lock (_lock)
        {
            if (!IsLeader)
            {
                return false;
            }

            if (!_followers.TryGetValue(replicaId, out var follower))
            {
                follower = new FollowerState { LastCaughtUpMs = long.MinValue };
                _followers[replicaId] = follower;
            }

            var logEnd = Log.LogEndOffset;
            if (fetchOffset >= logEnd || fetchOffset >= follower.LogEndAtLastFetch)
            {
                follower.LastCaughtUpMs = nowMs;
            }

            follower.LogEndOffset = fetchOffset;
            follower.LogEndAtLastFetch = logEnd;
            AdvanceHighWatermarkLocked();
            return !Isr.Contains(replicaId) && fetchOffset >= Log.HighWatermark && fetchOffset >= EpochStartOffset();
        }
    }

    /// <summary>
    /// Completes when the high watermark reaches <paramref name="offset"/> (true), or with false when
    /// this broker stops leading in this epoch; throws <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<bool> WaitForHighWatermarkAsync(long offset, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        CancellationToken leadership;
        lock (_lock)
        {
            if (!IsLeader)
            {
                return false;
            }

            if (Log.HighWatermark >= offset)
            {
                return true;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter, offset);
            leadership = _leadership.Token;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leadership);
        try
        {
            await waiter.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // leadership ended
        }
    }

    /// <summary>Recomputes the high watermark (after a leader append or an ISR change).</summary>
    public void AdvanceHighWatermark()
    {
        lock (_lock)
        {
            if (IsLeader)
            {
                AdvanceHighWatermarkLocked();
            }
        }
    }

    /// <summary>ISR followers that were not caught up within <paramref name="lagMaxMs"/>.</summary>
    public IReadOnlyList<int> LaggingFollowers(long nowMs, long lagMaxMs)
    {
        lock (_lock)
        {
            if (!IsLeader)
            {
                return [];
            }

            return Isr.Where(id => id != NodeId && (!_followers.TryGetValue(id, out var f) || nowMs - f.LastCaughtUpMs > lagMaxMs)).ToArray();
        }
    }

    private long EpochStartOffset()
    {
        foreach (var (epoch, start) in Log.EpochEntries)
        {
            if (epoch == LeaderEpoch)
            {
                return start;
            }
        }

        return Log.LogEndOffset;
    }

    private void AdvanceHighWatermarkLocked()
    {
        var hw = Log.LogEndOffset;
        foreach (var id in Isr)
        {
            if (id == NodeId)
            {
                continue;
            }

            hw = _followers.TryGetValue(id, out var f) ? Math.Min(hw, f.LogEndOffset) : Math.Min(hw, -1);
        }

        if (hw > Log.HighWatermark)
        {
            Debug.Assert(hw <= Log.LogEndOffset, "the high watermark never passes the leader's log end");
            Log.SetHighWatermark(hw);
        }

        var reached = Log.HighWatermark;
        while (_waiters.TryPeek(out var waiter, out var offset) && offset <= reached)
        {
            _waiters.Dequeue();
            waiter.TrySetResult();
        }
    }

    private sealed class FollowerState
    {
        public long LogEndOffset { get; set; } = -1;

        public long LogEndAtLastFetch { get; set; } = long.MaxValue;

        public long LastCaughtUpMs { get; set; }
    }
}
