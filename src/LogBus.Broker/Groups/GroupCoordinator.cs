using System.Collections.Concurrent;
using System.Diagnostics;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Broker.Groups;

/// <summary>
/// Kafka's group coordinator for one broker: the group state machine (Empty, PreparingRebalance,
/// CompletingRebalance, Stable, Dead) driven by JoinGroup, SyncGroup, Heartbeat and LeaveGroup, and
/// committed offsets stored durably in <c>__consumer_offsets</c>. Methods take and return the protocol
/// messages, so a request handler is one call.
/// </summary>
/// <remarks>
/// <para>Concurrency: each group has one lock (<see cref="GroupMetadata.Lock"/>); requests for different
/// groups run in parallel. Held requests (JoinGroup during a rebalance, SyncGroup until the leader's
/// assignment) return tasks completed later by another request or by the group's timer; every hold is
/// bounded by a rebalance or session timeout.</para>
/// <para>Timers: one <see cref="ITimer"/> per group from <see cref="GroupCoordinatorOptions.TimeProvider"/>,
/// armed for the group's earliest deadline (join, sync, pending member, heartbeats), plus one timer for
/// offset expiry. <see cref="DisposeAsync"/> cancels them and answers held requests with
/// COORDINATOR_NOT_AVAILABLE.</para>
/// <para>Durability: an offset commit or a generation's assignment is acknowledged only after its
/// record is fsynced. The in-memory state is updated when the record is appended (in log order), so an
/// OffsetFetch can see a commit a moment before it is acknowledged; if that fsync fails the offsets log
/// goes offline and the coordinator answers COORDINATOR_NOT_AVAILABLE for its groups.</para>
/// </remarks>
internal sealed partial class GroupCoordinator : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, GroupMetadata> _groups = new(StringComparer.Ordinal);
    private readonly LogManager _logs;
    private readonly GroupCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OffsetsPartitionStore[] _stores;
    private ITimer? _expiryTimer;
    private int _closed;

    private GroupCoordinator(LogManager logs, GroupCoordinatorOptions options, OffsetsPartitionStore[] stores, ILogger logger)
    {
        _logs = logs;
        _options = options;
        _time = options.TimeProvider;
        _stores = stores;
        _logger = logger;
    }

    /// <summary>The partition stores of <c>__consumer_offsets</c> (tests, diagnostics).</summary>
    internal IReadOnlyList<OffsetsPartitionStore> Stores => _stores;

    /// <summary>The number of groups the coordinator knows (not Dead).</summary>
    public int GroupCount => _groups.Count;

    private bool IsClosed => Volatile.Read(ref _closed) != 0;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Opens the coordinator on <paramref name="logs"/>: creates <c>__consumer_offsets</c> when missing,
    /// replays every partition (latest record per key wins, tombstones delete) into groups and offsets,
    /// and starts the expiry timer. Loaded groups with members resume their generation in Stable state;
    /// members that do not heartbeat within their session timeout are removed as usual.
    /// </summary>
    public static Task<GroupCoordinator> OpenAsync(LogManager logs, GroupCoordinatorOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var topic = logs.GetTopic(GroupCoordinatorOptions.OffsetsTopicName);
        if (topic is null)
        {
            var config = LogConfig.Default with
            {
                SegmentBytes = options.OffsetsSegmentBytes,
                CleanupPolicy = CleanupPolicy.Compact,
            };
            logs.TryCreateTopic(GroupCoordinatorOptions.OffsetsTopicName, options.OffsetsTopicPartitions, config, out topic);
        }
        var stores = new OffsetsPartitionStore[topic.Partitions];
        for (var p = 0; p < stores.Length; p++)
        {
            var log = logs.GetLog(GroupCoordinatorOptions.OffsetsTopicName, p)
                ?? throw new StorageException($"Partition {p} of {GroupCoordinatorOptions.OffsetsTopicName} is missing.");
            stores[p] = new OffsetsPartitionStore(log, options.OffsetsSnapshotMinBytes, options.OffsetsSnapshotFactor, options.TimeProvider, logger);
        }
        var coordinator = new GroupCoordinator(logs, options, stores, logger);
        return Task.Run(() =>
        {
            coordinator.Load();
            coordinator._expiryTimer = options.TimeProvider.CreateTimer(
                static state => ((GroupCoordinator)state!).OnExpiryTimer(),
                coordinator,
                options.OffsetsRetentionCheckInterval,
                options.OffsetsRetentionCheckInterval);
            return coordinator;
        });
    }

    /// <summary>Maps a group id to its partition of <c>__consumer_offsets</c> (Java's String.hashCode, as Kafka).</summary>
    public static int PartitionFor(string groupId, int partitions)
    {
        var hash = 0;
        foreach (var c in groupId)
        {
            hash = unchecked((31 * hash) + c);
        }
        return (hash & int.MaxValue) % partitions;
    }

    private OffsetsPartitionStore StoreFor(GroupMetadata group) => _stores[group.OffsetsPartition];

    private GroupMetadata GetOrCreateGroup(string groupId)
    {
        while (true)
        {
            if (_groups.TryGetValue(groupId, out var existing))
            {
                return existing;
            }
            var created = new GroupMetadata(groupId, PartitionFor(groupId, _stores.Length), NowMs);
            if (_groups.TryAdd(groupId, created))
            {
                return created;
            }
        }
    }

    /// <summary>Marks the group Dead and removes it from the map (under its lock).</summary>
    private void RemoveGroupLocked(GroupMetadata group)
    {
        Debug.Assert(group.Lock.IsHeldByCurrentThread, "group lock not held");
        group.TransitionTo(GroupState.Dead, NowMs);
        group.Timer?.Dispose();
        group.Timer = null;
        group.TimerDue = long.MaxValue;
        _groups.TryRemove(new KeyValuePair<string, GroupMetadata>(group.GroupId, group));
    }

    // ---- loading ---------------------------------------------------------------------------------

    private void Load()
    {
        var now = NowMs;
        var stopwatch = Stopwatch.StartNew();
        int totalRead = 0, totalSkipped = 0;
        foreach (var store in _stores)
        {
            var live = store.Replay(out var read, out var skipped);
            totalRead += read;
            totalSkipped += skipped;
            foreach (var (keyBytes, value) in live)
            {
                if (!OffsetsRecordFormat.TryDecodeKey(keyBytes, out var key))
                {
                    continue;
                }
                if (PartitionFor(key.Group, _stores.Length) != store.Partition)
                {
                    _logger.LogWarning("Group {Group} found in offsets partition {Partition}, expected {Expected}; ignored", key.Group, store.Partition, PartitionFor(key.Group, _stores.Length));
                    continue;
                }
                if (key.Type == OffsetsKeyType.Offset)
                {
                    if (OffsetsRecordFormat.TryDecodeOffset(value, out var offset))
                    {
                        GetOrCreateGroup(key.Group).Offsets[(key.Topic, key.Partition)] = offset;
                    }
                    else
                    {
                        totalSkipped++;
                    }
                }
                else if (OffsetsRecordFormat.TryDecodeGroup(value, out var stored))
                {
                    RestoreGroup(GetOrCreateGroup(key.Group), stored!, now);
                }
                else
                {
                    totalSkipped++;
                }
            }
        }
        foreach (var group in _groups.Values)
        {
            lock (group.Lock)
            {
                Schedule(group);
            }
        }
        _logger.LogInformation(
            "Group coordinator loaded {Groups} groups from {Records} records of {Partitions} offsets partitions in {Elapsed} ms ({Skipped} unreadable records skipped)",
            _groups.Count, totalRead, _stores.Length, stopwatch.ElapsedMilliseconds, totalSkipped);
    }

    private static void RestoreGroup(GroupMetadata group, StoredGroup stored, long now)
    {
        group.ProtocolType = stored.ProtocolType.Length == 0 ? null : stored.ProtocolType;
        group.GenerationId = stored.GenerationId;
        group.ProtocolName = stored.ProtocolName;
        group.Members.Clear();
        group.StaticMembers.Clear();
        group.LeaderId = null;
        foreach (var m in stored.Members)
        {
            var member = new GroupMember(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost)
            {
                RebalanceTimeoutMs = m.RebalanceTimeoutMs,
                SessionTimeoutMs = m.SessionTimeoutMs,
                Protocols = [new MemberProtocol(stored.ProtocolName ?? string.Empty, m.Subscription)],
                Assignment = m.Assignment,
                HeartbeatDeadline = now + m.SessionTimeoutMs,
            };
            group.Add(member);
        }
        group.LeaderId = stored.LeaderId is not null && group.Members.ContainsKey(stored.LeaderId) ? stored.LeaderId : group.Members.Keys.FirstOrDefault();
        group.Restore(group.Members.Count > 0 ? GroupState.Stable : GroupState.Empty, group.Members.Count > 0 ? now : stored.StateTimestamp);
    }

    // ---- timers ----------------------------------------------------------------------------------

    /// <summary>Arms the group's timer for its earliest deadline when that is earlier than the armed one.</summary>
    private void Schedule(GroupMetadata group)
    {
        Debug.Assert(group.Lock.IsHeldByCurrentThread, "group lock not held");
        if (IsClosed || group.State == GroupState.Dead)
        {
            return;
        }
        var due = long.MaxValue;
        if (group.JoinDeadline >= 0)
        {
            due = group.JoinDeadline;
        }
        if (group.SyncDeadline >= 0)
        {
            due = Math.Min(due, group.SyncDeadline);
        }
        foreach (var deadline in group.PendingMembers.Values)
        {
            due = Math.Min(due, deadline);
        }
        foreach (var m in group.Members.Values)
        {
            if (m.AwaitingJoin is null)
            {
                due = Math.Min(due, m.HeartbeatDeadline);
            }
        }
        if (due == long.MaxValue || due >= group.TimerDue)
        {
            return; // nothing to wait for, or the armed timer fires first (it re-arms for later deadlines)
        }
        group.Timer ??= _time.CreateTimer(static state => ((GroupCoordinator)((object[])state!)[0]).OnGroupTimer((GroupMetadata)((object[])state!)[1]), new object[] { this, group }, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        group.TimerDue = due;
        group.Timer.Change(TimeSpan.FromMilliseconds(Math.Max(0, due - NowMs)), Timeout.InfiniteTimeSpan);
    }

    private void OnGroupTimer(GroupMetadata group)
    {
        lock (group.Lock)
        {
            if (IsClosed || group.State == GroupState.Dead)
            {
                return;
            }
            group.TimerDue = long.MaxValue;
            var now = NowMs;
            if (group.State == GroupState.PreparingRebalance && group.JoinDeadline >= 0 && now >= group.JoinDeadline)
            {
                if (group.InitialDelayActive && group.NewMemberAdded && group.InitialDelayRemainingMs > 0)
                {
                    // More members arrived during the delay: wait one more step (bounded by the rebalance timeout).
                    var step = Math.Min((long)_options.InitialRebalanceDelay.TotalMilliseconds, group.InitialDelayRemainingMs);
                    group.InitialDelayRemainingMs -= step;
                    group.NewMemberAdded = false;
                    group.JoinDeadline = now + step;
                }
                else
                {
                    CompleteJoin(group);
                }
            }
            if (group.SyncDeadline >= 0 && now >= group.SyncDeadline)
            {
                group.SyncDeadline = -1;
                if (group.State is GroupState.CompletingRebalance or GroupState.Stable && group.PendingSync.Count > 0)
                {
                    _logger.LogInformation("Group {Group}: members {Members} did not sync generation {Generation} in time", group.GroupId, string.Join(",", group.PendingSync), group.GenerationId);
                    foreach (var id in group.PendingSync.ToList())
                    {
                        if (group.Members.TryGetValue(id, out var member))
                        {
                            RemoveMember(group, member, ErrorCode.UnknownMemberId);
                        }
                    }
                }
            }
            foreach (var (id, deadline) in group.PendingMembers.ToList())
            {
                if (now >= deadline)
                {
                    group.PendingMembers.Remove(id);
                    if (group.State == GroupState.PreparingRebalance)
                    {
                        TryCompleteJoin(group);
                    }
                }
            }
            foreach (var member in group.Members.Values.ToList())
            {
                // A member whose JoinGroup is held is alive: the join deadline bounds it instead.
                if (member.AwaitingJoin is null && now >= member.HeartbeatDeadline && group.Members.ContainsKey(member.MemberId))
                {
                    _logger.LogInformation("Group {Group}: member {Member} session expired", group.GroupId, member.MemberId);
                    RemoveMember(group, member, ErrorCode.UnknownMemberId);
                }
            }
            Schedule(group);
        }
    }

    private void OnExpiryTimer()
    {
        try
        {
            ExpireOffsets();
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
        {
            _logger.LogWarning(e, "Offset expiry failed; retrying at the next interval");
        }
    }

    // ---- shutdown --------------------------------------------------------------------------------

    /// <summary>
    /// Stops the coordinator: cancels all timers, answers held JoinGroup/SyncGroup requests with
    /// COORDINATOR_NOT_AVAILABLE, and waits for running snapshots. Dispose it before the log manager.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _expiryTimer?.Dispose();
        foreach (var group in _groups.Values)
        {
            lock (group.Lock)
            {
                group.Timer?.Dispose();
                group.Timer = null;
                group.TimerDue = long.MaxValue;
                foreach (var member in group.Members.Values)
                {
                    member.AwaitingJoin?.TrySetResult(JoinError(ErrorCode.CoordinatorNotAvailable, member.MemberId));
                    member.AwaitingJoin = null;
                    member.AwaitingSync?.TrySetResult(new() { ErrorCode = ErrorCode.CoordinatorNotAvailable });
                    member.AwaitingSync = null;
                }
            }
        }
        foreach (var store in _stores)
        {
            await store.StopAsync().ConfigureAwait(false);
        }
    }
}
