using System.Diagnostics;

namespace LogBus.Broker.Groups;

/// <summary>
/// One group's state: members, generation, protocol, timers' deadlines and committed offsets.
/// </summary>
/// <remarks>
/// Concurrency: every member of this object is read and written only while holding <see cref="Lock"/>
/// (the coordinator takes it for each request and each timer callback). Lock order: group lock, then an
/// offsets store's lock; never two group locks at once.
/// </remarks>
internal sealed class GroupMetadata(string groupId, int offsetsPartition, long now)
{
    /// <summary>Guards all state of this group.</summary>
    public Lock Lock { get; } = new();

    /// <summary>The group id.</summary>
    public string GroupId { get; } = groupId;

    /// <summary>The partition of <c>__consumer_offsets</c> holding this group's records.</summary>
    public int OffsetsPartition { get; } = offsetsPartition;

    /// <summary>The current state.</summary>
    public GroupState State { get; private set; } = GroupState.Empty;

    /// <summary>When the group entered <see cref="State"/> (Unix milliseconds; offset expiry counts from Empty).</summary>
    public long StateTimestamp { get; private set; } = now;

    /// <summary>The members' protocol type (e.g. <c>consumer</c>); null for groups that only commit offsets.</summary>
    public string? ProtocolType { get; set; }

    /// <summary>The protocol chosen for the current generation, or null.</summary>
    public string? ProtocolName { get; set; }

    /// <summary>The current generation (0 before the first rebalance).</summary>
    public int GenerationId { get; set; }

    /// <summary>The leader's member id, or null without members.</summary>
    public string? LeaderId { get; set; }

    /// <summary>Members by member id.</summary>
    public Dictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Member ids of static members by <c>group.instance.id</c>.</summary>
    public Dictionary<string, string> StaticMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Ids handed out with MEMBER_ID_REQUIRED, not yet joined, with the deadline to join.</summary>
    public Dictionary<string, long> PendingMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Members of the current generation that have not sent SyncGroup yet.</summary>
    public HashSet<string> PendingSync { get; } = new(StringComparer.Ordinal);

    /// <summary>When the running rebalance completes even if members are missing (-1: none running).</summary>
    public long JoinDeadline { get; set; } = -1;

    /// <summary>True while the join deadline is an initial-delay step (empty group's first rebalance).</summary>
    public bool InitialDelayActive { get; set; }

    /// <summary>Rebalance time left for further initial-delay steps.</summary>
    public long InitialDelayRemainingMs { get; set; }

    /// <summary>A member joined since the last initial-delay step.</summary>
    public bool NewMemberAdded { get; set; }

    /// <summary>When members still in <see cref="PendingSync"/> are removed (-1: none).</summary>
    public long SyncDeadline { get; set; } = -1;

    /// <summary>Committed offsets by topic and partition.</summary>
    public Dictionary<(string Topic, int Partition), CommittedOffset> Offsets { get; } = [];

    /// <summary>The group's one timer (earliest deadline); created on first use, disposed when the group dies.</summary>
    public ITimer? Timer { get; set; }

    /// <summary>The due time the timer is armed for (Unix ms; long.MaxValue: disarmed).</summary>
    public long TimerDue { get; set; } = long.MaxValue;

    /// <summary>True in a state that may start a rebalance.</summary>
    public bool CanRebalance => State is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty;

    /// <summary>Moves to <paramref name="next"/> (Kafka's allowed transitions are asserted).</summary>
    public void TransitionTo(GroupState next, long now)
    {
        Debug.Assert(IsValidTransition(State, next), $"invalid group transition {State} -> {next}");
        State = next;
        StateTimestamp = now;
    }

    /// <summary>Restores the state of a loaded group.</summary>
    public void Restore(GroupState state, long timestamp)
    {
        State = state;
        StateTimestamp = timestamp;
    }

    private static bool IsValidTransition(GroupState from, GroupState to) => to switch
    {
        GroupState.Empty => from == GroupState.PreparingRebalance,
        GroupState.PreparingRebalance => from is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty,
        GroupState.CompletingRebalance => from == GroupState.PreparingRebalance,
        GroupState.Stable => from == GroupState.CompletingRebalance,
        GroupState.Dead => true,
        _ => false,
    };

    /// <summary>Adds a member; the first member becomes the leader.</summary>
    public void Add(GroupMember member)
    {
        Debug.Assert(!Members.ContainsKey(member.MemberId), "member added twice");
        Members.Add(member.MemberId, member);
        if (member.GroupInstanceId is { } instance)
        {
            StaticMembers[instance] = member.MemberId;
        }
        LeaderId ??= member.MemberId;
    }

    /// <summary>Removes a member; a new leader is chosen (preferring one waiting to join) when it led.</summary>
    public void Remove(string memberId)
    {
        if (!Members.Remove(memberId, out var member))
        {
            return;
        }
        if (member.GroupInstanceId is { } instance && StaticMembers.TryGetValue(instance, out var id) && id == memberId)
        {
            StaticMembers.Remove(instance);
        }
        PendingSync.Remove(memberId);
        if (LeaderId == memberId)
        {
            LeaderId = Members.Values.FirstOrDefault(m => m.AwaitingJoin is not null)?.MemberId ?? Members.Keys.FirstOrDefault();
        }
    }

    /// <summary>True when every member waits in JoinGroup and no MEMBER_ID_REQUIRED member is outstanding.</summary>
    public bool AllMembersJoined
    {
        get
        {
            if (PendingMembers.Count > 0)
            {
                return false;
            }
            foreach (var m in Members.Values)
            {
                if (m.AwaitingJoin is null)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>The largest rebalance timeout of the members (how long a rebalance may wait).</summary>
    public int MaxRebalanceTimeoutMs
    {
        get
        {
            var max = 0;
            foreach (var m in Members.Values)
            {
                max = Math.Max(max, m.RebalanceTimeoutMs);
            }
            return max;
        }
    }

    /// <summary>
    /// True when a member with <paramref name="protocolType"/> and <paramref name="protocols"/> may join:
    /// an empty group takes any non-empty choice; otherwise the type must match and at least one
    /// protocol must be supported by every member.
    /// </summary>
    public bool SupportsProtocols(string protocolType, IReadOnlyList<MemberProtocol> protocols)
    {
        if (protocolType.Length == 0 || protocols.Count == 0)
        {
            return false;
        }
        if (Members.Count == 0)
        {
            return true;
        }
        if (protocolType != ProtocolType)
        {
            return false;
        }
        foreach (var p in protocols)
        {
            if (Members.Values.All(m => m.Protocols.Any(q => q.Name == p.Name)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Chooses the generation's protocol: among the protocols every member supports, each member votes
    /// for the first in its own preference order; the most votes win, ties go to the leader's order.
    /// </summary>
    public string SelectProtocol()
    {
        Debug.Assert(Members.Count > 0, "no members to select a protocol for");
        var leader = LeaderId is not null && Members.TryGetValue(LeaderId, out var l) ? l : Members.Values.First();
        var candidates = leader.Protocols
            .Select(p => p.Name)
            .Where(name => Members.Values.All(m => m.Protocols.Any(q => q.Name == name)))
            .ToList();
        Debug.Assert(candidates.Count > 0, "members share no protocol (SupportsProtocols admits only compatible members)");
        var votes = new int[candidates.Count];
        foreach (var m in Members.Values)
        {
            foreach (var p in m.Protocols)
            {
                var index = candidates.IndexOf(p.Name);
                if (index >= 0)
                {
                    votes[index]++;
                    break;
                }
            }
        }
        var best = 0;
        for (var i = 1; i < votes.Length; i++)
        {
            if (votes[i] > votes[best])
            {
                best = i;
            }
        }
        return candidates[best];
    }

    /// <summary>The record to persist for the current membership.</summary>
    public StoredGroup ToStored() => new(
        ProtocolType ?? string.Empty,
        GenerationId,
        ProtocolName,
        LeaderId,
        StateTimestamp,
        Members.Values.Select(m => new StoredMember(
            m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, m.RebalanceTimeoutMs, m.SessionTimeoutMs,
            m.MetadataFor(ProtocolName), m.Assignment)).ToList());
}
