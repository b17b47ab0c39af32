using System.Diagnostics;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Groups;

internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// JoinGroup: admits the member and starts or joins a rebalance. The returned task completes when
    /// the rebalance completes (every known member rejoined, or the rebalance timeout passed), or at once
    /// for errors, MEMBER_ID_REQUIRED (v4+ first join: the response carries the id to rejoin with) and for
    /// a follower rejoining a stable group with unchanged metadata.
    /// </summary>
    /// <param name="request">The decoded request; its byte fields are copied, the frame may be reused afterwards.</param>
    /// <param name="version">The request version (v0 has no rebalance timeout; v4+ requires a known member id).</param>
    /// <param name="clientId">The client id of the request header.</param>
    /// <param name="clientHost">The client's address.</param>
    public Task<JoinGroupResponse> JoinGroupAsync(JoinGroupRequest request, short version, string clientId, string clientHost)
    {
        var memberId = request.MemberId ?? string.Empty;
        if (IsClosed)
        {
            return Task.FromResult(JoinError(ErrorCode.CoordinatorNotAvailable, memberId));
        }
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return Task.FromResult(JoinError(ErrorCode.InvalidGroupId, memberId));
        }
        if (request.SessionTimeoutMs < _options.MinSessionTimeout.TotalMilliseconds || request.SessionTimeoutMs > _options.MaxSessionTimeout.TotalMilliseconds)
        {
            return Task.FromResult(JoinError(ErrorCode.InvalidSessionTimeout, memberId));
        }
        var rebalanceTimeoutMs = version >= 1 && request.RebalanceTimeoutMs > 0 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs;
        var protocols = new List<MemberProtocol>(request.Protocols.Count);
        foreach (var p in request.Protocols)
        {
            protocols.Add(new MemberProtocol(p.Name, p.Metadata.ToArray()));
        }
        var join = new JoinParameters(memberId, request.GroupInstanceId, clientId, clientHost, rebalanceTimeoutMs, request.SessionTimeoutMs, request.ProtocolType ?? string.Empty, protocols, RequireKnownMemberId: version >= 4);
        GroupMetadata? group;
        if (memberId.Length == 0)
        {
            group = GetOrCreateGroup(request.GroupId);
        }
        else if (!_groups.TryGetValue(request.GroupId, out group))
        {
            return Task.FromResult(JoinError(ErrorCode.UnknownMemberId, memberId));
        }
        lock (group.Lock)
        {
            if (group.State == GroupState.Dead)
            {
                // Removed meanwhile (deleted or expired): the client retries and finds a fresh group.
                return Task.FromResult(JoinError(memberId.Length == 0 ? ErrorCode.CoordinatorNotAvailable : ErrorCode.UnknownMemberId, memberId));
            }
            if (!group.SupportsProtocols(join.ProtocolType, protocols))
            {
                return Task.FromResult(JoinError(ErrorCode.InconsistentGroupProtocol, memberId));
            }
            var result = memberId.Length == 0 ? JoinUnknownMember(group, join) : JoinKnownMember(group, join);
            Schedule(group);
            return result;
        }
    }

    private Task<JoinGroupResponse> JoinUnknownMember(GroupMetadata group, JoinParameters join)
    {
        var newMemberId = $"{(join.GroupInstanceId ?? join.ClientId)}-{Guid.NewGuid()}";
        if (join.GroupInstanceId is { } instance && group.StaticMembers.TryGetValue(instance, out var oldMemberId))
        {
            return ReplaceStaticMember(group, oldMemberId, newMemberId, join);
        }
        if (group.Members.Count + group.PendingMembers.Count >= _options.MaxGroupSize)
        {
            return Task.FromResult(JoinError(ErrorCode.GroupMaxSizeReached, string.Empty));
        }
        if (join.GroupInstanceId is null && join.RequireKnownMemberId)
        {
            // Kafka's KIP-394: hand out the id first, so a client that times out and retries does not
            // leave a ghost member behind. The id must rejoin within the session timeout.
            group.PendingMembers[newMemberId] = NowMs + join.SessionTimeoutMs;
            return Task.FromResult(JoinError(ErrorCode.MemberIdRequired, newMemberId));
        }
        return AddMemberAndRebalance(group, newMemberId, join);
    }

    private Task<JoinGroupResponse> JoinKnownMember(GroupMetadata group, JoinParameters join)
    {
        if (group.PendingMembers.Remove(join.MemberId))
        {
            Debug.Assert(!group.Members.ContainsKey(join.MemberId), "a pending member is not yet a member");
            return AddMemberAndRebalance(group, join.MemberId, join);
        }
        if (IsFenced(group, join.MemberId, join.GroupInstanceId))
        {
            return Task.FromResult(JoinError(ErrorCode.FencedInstanceId, join.MemberId));
        }
        if (!group.Members.TryGetValue(join.MemberId, out var member))
        {
            return Task.FromResult(JoinError(ErrorCode.UnknownMemberId, join.MemberId));
        }
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(group, member, join);
            case GroupState.CompletingRebalance:
                // A member that lost our response rejoins with the same metadata: answer it again.
                return member.Matches(join.Protocols)
                    ? Task.FromResult(CurrentJoinResponse(group, member))
                    : UpdateMemberAndRebalance(group, member, join);
            case GroupState.Stable:
                // The leader rejoining forces a rebalance (it may have seen metadata changes the
                // subscriptions do not show); a follower with unchanged metadata just gets the generation.
                if (member.MemberId == group.LeaderId || !member.Matches(join.Protocols))
                {
                    return UpdateMemberAndRebalance(group, member, join);
                }
                member.HeartbeatDeadline = NowMs + member.SessionTimeoutMs;
                return Task.FromResult(CurrentJoinResponse(group, member));
            default:
                return Task.FromResult(JoinError(ErrorCode.UnknownMemberId, join.MemberId));
        }
    }

    private Task<JoinGroupResponse> AddMemberAndRebalance(GroupMetadata group, string memberId, JoinParameters join)
    {
        var member = new GroupMember(memberId, join.GroupInstanceId, join.ClientId, join.ClientHost)
        {
            RebalanceTimeoutMs = join.RebalanceTimeoutMs,
            SessionTimeoutMs = join.SessionTimeoutMs,
            Protocols = join.Protocols,
            AwaitingJoin = NewJoinCompletion(),
            HeartbeatDeadline = NowMs + join.SessionTimeoutMs,
            IsNew = true,
        };
        if (group.Members.Count == 0)
        {
            group.ProtocolType = join.ProtocolType;
        }
        group.Add(member);
        if (group.State == GroupState.PreparingRebalance && group.InitialDelayActive)
        {
            group.NewMemberAdded = true;
        }
        MaybePrepareRebalance(group, $"member {memberId} joined");
        return member.AwaitingJoin.Task;
    }

    private Task<JoinGroupResponse> UpdateMemberAndRebalance(GroupMetadata group, GroupMember member, JoinParameters join)
    {
        UpdateMember(member, join);
        // A duplicate join (the client retried on another connection) supersedes the held one.
        member.AwaitingJoin?.TrySetResult(JoinError(ErrorCode.RebalanceInProgress, member.MemberId));
        member.AwaitingJoin = NewJoinCompletion();
        var task = member.AwaitingJoin.Task;
        MaybePrepareRebalance(group, $"member {member.MemberId} rejoined");
        return task;
    }

    private void UpdateMember(GroupMember member, JoinParameters join)
    {
        member.Protocols = join.Protocols;
        member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
        member.SessionTimeoutMs = join.SessionTimeoutMs;
        member.ClientId = join.ClientId;
        member.ClientHost = join.ClientHost;
        member.HeartbeatDeadline = NowMs + join.SessionTimeoutMs;
    }

    /// <summary>
    /// A static member (known <c>group.instance.id</c>) joined without a member id: it replaces its old
    /// incarnation, whose held requests are fenced. A follower with unchanged metadata in a stable group
    /// keeps its assignment without a rebalance (the point of static membership).
    /// </summary>
    private Task<JoinGroupResponse> ReplaceStaticMember(GroupMetadata group, string oldMemberId, string newMemberId, JoinParameters join)
    {
        var member = group.Members[oldMemberId];
        member.AwaitingJoin?.TrySetResult(JoinError(ErrorCode.FencedInstanceId, oldMemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(new SyncGroupResponse { ErrorCode = ErrorCode.FencedInstanceId });
        member.AwaitingSync = null;
        group.Members.Remove(oldMemberId);
        member.MemberId = newMemberId;
        group.Members.Add(newMemberId, member);
        group.StaticMembers[join.GroupInstanceId!] = newMemberId;
        if (group.LeaderId == oldMemberId)
        {
            group.LeaderId = newMemberId;
        }
        if (group.PendingSync.Remove(oldMemberId))
        {
            group.PendingSync.Add(newMemberId);
        }
        var unchanged = member.Matches(join.Protocols);
        if (group.State == GroupState.Stable && unchanged && group.LeaderId != newMemberId)
        {
            UpdateMember(member, join);
            PersistGroup(group); // the new member id must survive a restart
            return Task.FromResult(CurrentJoinResponse(group, member));
        }
        return UpdateMemberAndRebalance(group, member, join);
    }

    private static bool IsFenced(GroupMetadata group, string memberId, string? groupInstanceId) =>
        groupInstanceId is not null && group.StaticMembers.TryGetValue(groupInstanceId, out var current) && current != memberId;

    private void MaybePrepareRebalance(GroupMetadata group, string reason)
    {
        if (group.CanRebalance)
        {
            PrepareRebalance(group, reason);
        }
        else if (group.State == GroupState.PreparingRebalance)
        {
            TryCompleteJoin(group);
        }
    }

    private void PrepareRebalance(GroupMetadata group, string reason)
    {
        Debug.Assert(group.CanRebalance, "rebalance from a state that cannot rebalance");
        var now = NowMs;
        if (group.State == GroupState.CompletingRebalance)
        {
            // The generation being formed is abandoned: its waiting SyncGroups learn it.
            foreach (var m in group.Members.Values)
            {
                m.Assignment = [];
                m.AwaitingSync?.TrySetResult(new SyncGroupResponse { ErrorCode = ErrorCode.RebalanceInProgress });
                m.AwaitingSync = null;
            }
        }
        group.PendingSync.Clear();
        group.SyncDeadline = -1;
        long rebalanceMs = group.MaxRebalanceTimeoutMs;
        var delayMs = (long)_options.InitialRebalanceDelay.TotalMilliseconds;
        if (group.State == GroupState.Empty && delayMs > 0)
        {
            var step = Math.Min(delayMs, rebalanceMs);
            group.InitialDelayActive = true;
            group.InitialDelayRemainingMs = rebalanceMs - step;
            group.NewMemberAdded = false;
            group.JoinDeadline = now + step;
        }
        else
        {
            group.InitialDelayActive = false;
            group.JoinDeadline = now + rebalanceMs;
        }
        _logger.LogDebug("Group {Group}: preparing rebalance from generation {Generation} ({Reason})", group.GroupId, group.GenerationId, reason);
        group.TransitionTo(GroupState.PreparingRebalance, now);
        TryCompleteJoin(group);
    }

    private void TryCompleteJoin(GroupMetadata group)
    {
        if (group.State == GroupState.PreparingRebalance && !group.InitialDelayActive && group.AllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    /// <summary>
    /// Ends the join phase: drops dynamic members that did not rejoin, starts the next generation
    /// (Empty when nobody is left, else CompletingRebalance with a chosen protocol) and answers the
    /// held JoinGroups; the leader's answer lists every member with its metadata.
    /// </summary>
    private void CompleteJoin(GroupMetadata group)
    {
        Debug.Assert(group.State == GroupState.PreparingRebalance, "complete join outside a rebalance");
        var now = NowMs;
        group.JoinDeadline = -1;
        group.InitialDelayActive = false;
        foreach (var m in group.Members.Values.ToList())
        {
            if (m.AwaitingJoin is null && m.GroupInstanceId is null)
            {
                _logger.LogInformation("Group {Group}: member {Member} did not rejoin in time and is removed", group.GroupId, m.MemberId);
                group.Remove(m.MemberId);
            }
        }
        if (group.LeaderId is not null && group.Members.TryGetValue(group.LeaderId, out var leader) && leader.AwaitingJoin is null)
        {
            // A static leader that did not rejoin cannot assign: hand leadership to one that did.
            group.LeaderId = group.Members.Values.FirstOrDefault(m => m.AwaitingJoin is not null)?.MemberId ?? group.LeaderId;
        }
        group.GenerationId++;
        if (group.Members.Count == 0)
        {
            group.ProtocolName = null;
            group.LeaderId = null;
            group.TransitionTo(GroupState.Empty, now);
            PersistGroup(group);
            _logger.LogDebug("Group {Group}: empty at generation {Generation}", group.GroupId, group.GenerationId);
            return;
        }
        group.ProtocolName = group.SelectProtocol();
        group.TransitionTo(GroupState.CompletingRebalance, now);
        var syncTimeoutMs = group.MaxRebalanceTimeoutMs;
        group.SyncDeadline = now + syncTimeoutMs;
        foreach (var m in group.Members.Values)
        {
            group.PendingSync.Add(m.MemberId);
            m.HeartbeatDeadline = now + m.SessionTimeoutMs;
            m.IsNew = false;
            if (m.AwaitingJoin is { } completion)
            {
                m.AwaitingJoin = null;
                completion.TrySetResult(CurrentJoinResponse(group, m));
            }
        }
        _logger.LogDebug("Group {Group}: generation {Generation} with {Members} members, protocol {Protocol}, leader {Leader}", group.GroupId, group.GenerationId, group.Members.Count, group.ProtocolName, group.LeaderId);
    }

    private static JoinGroupResponse CurrentJoinResponse(GroupMetadata group, GroupMember member)
    {
        var response = new JoinGroupResponse
        {
            ErrorCode = ErrorCode.None,
            GenerationId = group.GenerationId,
            ProtocolName = group.ProtocolName ?? string.Empty,
            Leader = group.LeaderId ?? string.Empty,
            MemberId = member.MemberId,
        };
        if (member.MemberId == group.LeaderId)
        {
            foreach (var m in group.Members.Values)
            {
                response.Members.Add(new JoinGroupResponse.Member
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = m.GroupInstanceId,
                    Metadata = m.MetadataFor(group.ProtocolName),
                });
            }
        }
        return response;
    }

    private static JoinGroupResponse JoinError(ErrorCode error, string memberId) => new()
    {
        ErrorCode = error,
        GenerationId = -1,
        MemberId = memberId,
    };

    private static TaskCompletionSource<JoinGroupResponse> NewJoinCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The fields of a JoinGroup the state machine needs (byte fields already copied).</summary>
    private sealed record JoinParameters(
        string MemberId,
        string? GroupInstanceId,
        string ClientId,
        string ClientHost,
        int RebalanceTimeoutMs,
        int SessionTimeoutMs,
        string ProtocolType,
        IReadOnlyList<MemberProtocol> Protocols,
        bool RequireKnownMemberId);
}
