using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Groups;

internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// SyncGroup: the leader delivers the assignment of the generation; every member receives its own.
    /// A follower's task completes when the leader's assignment is durable (the group is then Stable);
    /// the leader's too. Held requests end with REBALANCE_IN_PROGRESS when a new rebalance starts first.
    /// </summary>
    public Task<SyncGroupResponse> SyncGroupAsync(SyncGroupRequest request)
    {
        if (IsClosed)
        {
            return SyncError(ErrorCode.CoordinatorNotAvailable);
        }
        if (!_groups.TryGetValue(request.GroupId ?? string.Empty, out var group))
        {
            return SyncError(ErrorCode.UnknownMemberId);
        }
        Task<SyncGroupResponse> task;
        long storedEnd = -1;
        int generation;
        lock (group.Lock)
        {
            if (group.State == GroupState.Dead)
            {
                return SyncError(ErrorCode.CoordinatorNotAvailable);
            }
            if (IsFenced(group, request.MemberId, request.GroupInstanceId))
            {
                return SyncError(ErrorCode.FencedInstanceId);
            }
            if (!group.Members.TryGetValue(request.MemberId, out var member))
            {
                return SyncError(ErrorCode.UnknownMemberId);
            }
            if (request.GenerationId != group.GenerationId)
            {
                return SyncError(ErrorCode.IllegalGeneration);
            }
            switch (group.State)
            {
                case GroupState.PreparingRebalance:
                    return SyncError(ErrorCode.RebalanceInProgress);
                case GroupState.Stable:
                    group.PendingSync.Remove(member.MemberId);
                    member.HeartbeatDeadline = NowMs + member.SessionTimeoutMs;
                    return Task.FromResult(new SyncGroupResponse { ErrorCode = ErrorCode.None, Assignment = member.Assignment });
                case GroupState.CompletingRebalance:
                    break;
                default:
                    return SyncError(ErrorCode.UnknownMemberId);
            }
            group.PendingSync.Remove(member.MemberId);
            member.HeartbeatDeadline = NowMs + member.SessionTimeoutMs;
            member.AwaitingSync?.TrySetResult(new SyncGroupResponse { ErrorCode = ErrorCode.RebalanceInProgress });
            member.AwaitingSync = new TaskCompletionSource<SyncGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            task = member.AwaitingSync.Task;
            generation = group.GenerationId;
            if (member.MemberId == group.LeaderId)
            {
                var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var a in request.Assignments)
                {
                    assignments[a.MemberId] = a.Data.ToArray();
                }
                foreach (var m in group.Members.Values)
                {
                    m.Assignment = assignments.TryGetValue(m.MemberId, out var data) ? data : [];
                }
                try
                {
                    storedEnd = AppendGroupRecord(group);
                }
                catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
                {
                    _logger.LogWarning(e, "Group {Group}: storing generation {Generation} failed", group.GroupId, generation);
                    FailSync(group, ErrorCode.CoordinatorNotAvailable);
                }
            }
        }
        if (storedEnd >= 0)
        {
            // Outside the lock: the wait may run the fsync on this thread.
            _ = CompleteSyncWhenDurableAsync(group, generation, storedEnd);
        }
        return task;
    }

    private async Task CompleteSyncWhenDurableAsync(GroupMetadata group, int generation, long end)
    {
        Exception? failure = null;
        try
        {
            await StoreFor(group).WhenDurableAsync(end).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            failure = e;
        }
        lock (group.Lock)
        {
            if (group.State != GroupState.CompletingRebalance || group.GenerationId != generation)
            {
                return; // a rebalance (or shutdown) overtook it and answered the held SyncGroups
            }
            if (failure is not null)
            {
                _logger.LogWarning(failure, "Group {Group}: storing generation {Generation} failed", group.GroupId, generation);
                FailSync(group, ErrorCode.CoordinatorNotAvailable);
                return;
            }
            group.TransitionTo(GroupState.Stable, NowMs);
            foreach (var m in group.Members.Values)
            {
                if (m.AwaitingSync is { } completion)
                {
                    m.AwaitingSync = null;
                    completion.TrySetResult(new SyncGroupResponse { ErrorCode = ErrorCode.None, Assignment = m.Assignment });
                }
            }
            Schedule(group);
        }
        _ = StoreFor(group).MaybeStartSnapshot();
    }

    /// <summary>The generation's assignment could not be stored: held SyncGroups get the error, members rejoin.</summary>
    private void FailSync(GroupMetadata group, ErrorCode error)
    {
        foreach (var m in group.Members.Values)
        {
            m.Assignment = [];
            m.AwaitingSync?.TrySetResult(new SyncGroupResponse { ErrorCode = error });
            m.AwaitingSync = null;
        }
        PrepareRebalance(group, "storing the assignment failed");
        Schedule(group);
    }

    /// <summary>
    /// Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
    /// </summary>
    public HeartbeatResponse Heartbeat(HeartbeatRequest request)
    {
        if (IsClosed)
        {
            return new HeartbeatResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
        }
        if (!_groups.TryGetValue(request.GroupId ?? string.Empty, out var group))
        {
            return new HeartbeatResponse { ErrorCode = ErrorCode.UnknownMemberId };
        }
        lock (group.Lock)
        {
            var error = CheckMember(group, request.MemberId, request.GroupInstanceId, request.GenerationId, out var member);
            if (error != ErrorCode.None)
            {
                return new HeartbeatResponse { ErrorCode = error };
            }
            member!.HeartbeatDeadline = NowMs + member.SessionTimeoutMs;
            return new HeartbeatResponse
            {
                ErrorCode = group.State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None,
            };
        }
    }

    /// <summary>Kafka's member checks for Heartbeat (and OffsetCommit): state, fencing, id, generation.</summary>
    private static ErrorCode CheckMember(GroupMetadata group, string memberId, string? instanceId, int generation, out GroupMember? member)
    {
        member = null;
        if (group.State == GroupState.Dead)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        if (IsFenced(group, memberId, instanceId))
        {
            return ErrorCode.FencedInstanceId;
        }
        if (!group.Members.TryGetValue(memberId, out member))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (generation != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }
        return group.State == GroupState.Empty ? ErrorCode.UnknownMemberId : ErrorCode.None;
    }

    /// <summary>
    /// LeaveGroup: removes the members (v3+ a batch, by member id or static instance id) and rebalances
    /// the rest. Versions 0-2 report the single member's error at the top level.
    /// </summary>
    public LeaveGroupResponse LeaveGroup(LeaveGroupRequest request, short version)
    {
        var leaving = version >= 3
            ? request.Members
            : [new LeaveGroupRequest.Member { MemberId = request.MemberId ?? string.Empty }];
        var response = new LeaveGroupResponse();
        if (IsClosed)
        {
            response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
            return response;
        }
        if (!_groups.TryGetValue(request.GroupId ?? string.Empty, out var group))
        {
            foreach (var l in leaving)
            {
                response.Members.Add(new LeaveGroupResponse.Member { MemberId = l.MemberId, GroupInstanceId = l.GroupInstanceId, ErrorCode = ErrorCode.UnknownMemberId });
            }
        }
        else
        {
            lock (group.Lock)
            {
                if (group.State == GroupState.Dead)
                {
                    response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
                    return response;
                }
                foreach (var l in leaving)
                {
                    response.Members.Add(new LeaveGroupResponse.Member { MemberId = l.MemberId, GroupInstanceId = l.GroupInstanceId, ErrorCode = LeaveOne(group, l) });
                }
                Schedule(group);
            }
        }
        if (version < 3)
        {
            response.ErrorCode = response.Members[0].ErrorCode;
            response.Members.Clear();
        }
        return response;
    }

    private ErrorCode LeaveOne(GroupMetadata group, LeaveGroupRequest.Member leaving)
    {
        var memberId = leaving.MemberId ?? string.Empty;
        if (leaving.GroupInstanceId is { } instance)
        {
            if (!group.StaticMembers.TryGetValue(instance, out var current))
            {
                return ErrorCode.UnknownMemberId;
            }
            if (memberId.Length > 0 && memberId != current)
            {
                return ErrorCode.FencedInstanceId;
            }
            memberId = current;
        }
        if (group.PendingMembers.Remove(memberId))
        {
            if (group.State == GroupState.PreparingRebalance)
            {
                TryCompleteJoin(group);
            }
            return ErrorCode.None;
        }
        if (!group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        _logger.LogDebug("Group {Group}: member {Member} left", group.GroupId, memberId);
        RemoveMember(group, member, ErrorCode.UnknownMemberId);
        return ErrorCode.None;
    }

    /// <summary>
    /// Removes a member (left, session expired, or did not sync): its held requests get
    /// <paramref name="error"/>; a stable or forming generation rebalances, a running rebalance may now
    /// complete without it.
    /// </summary>
    private void RemoveMember(GroupMetadata group, GroupMember member, ErrorCode error)
    {
        member.AwaitingJoin?.TrySetResult(JoinError(error, member.MemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(new SyncGroupResponse { ErrorCode = error });
        member.AwaitingSync = null;
        group.Remove(member.MemberId);
        switch (group.State)
        {
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
                PrepareRebalance(group, $"member {member.MemberId} removed");
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    /// <summary>Appends the group's membership record (page cache); returns the offset to wait for.</summary>
    private long AppendGroupRecord(GroupMetadata group)
    {
        var record = new OffsetsRecord(OffsetsRecordFormat.GroupKey(group.GroupId), OffsetsRecordFormat.EncodeGroup(group.ToStored()));
        return StoreFor(group).Append([record]);
    }

    /// <summary>Stores the membership without anyone waiting on it (empty group, static member id change).</summary>
    private void PersistGroup(GroupMetadata group)
    {
        try
        {
            var end = AppendGroupRecord(group);
            _ = WaitDurableInBackgroundAsync(StoreFor(group), end, group.GroupId);
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
        {
            _logger.LogWarning(e, "Group {Group}: storing its membership failed", group.GroupId);
        }
    }

    private async Task WaitDurableInBackgroundAsync(OffsetsPartitionStore store, long end, string groupId)
    {
        await Task.Yield(); // the caller holds the group's lock; the fsync must not run under it
        try
        {
            await store.WhenDurableAsync(end).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
        {
            _logger.LogWarning(e, "Group {Group}: a record could not be made durable", groupId);
        }
    }

    private static Task<SyncGroupResponse> SyncError(ErrorCode error) => Task.FromResult(new SyncGroupResponse { ErrorCode = error });
}
