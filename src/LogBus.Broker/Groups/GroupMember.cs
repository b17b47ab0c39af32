using LogBus.Protocol.Messages;

namespace LogBus.Broker.Groups;

/// <summary>
/// A member of a group. Mutable state owned by its <see cref="GroupMetadata"/>: read and written only
/// under the group's lock.
/// </summary>
internal sealed class GroupMember(string memberId, string? groupInstanceId, string clientId, string clientHost)
{
    /// <summary>The coordinator-assigned member id (changes when a static member rejoins).</summary>
    public string MemberId { get; set; } = memberId;

    /// <summary>The static member's <c>group.instance.id</c>, or null for a dynamic member.</summary>
    public string? GroupInstanceId { get; } = groupInstanceId;

    /// <summary>The client id from the request header of its last JoinGroup.</summary>
    public string ClientId { get; set; } = clientId;

    /// <summary>The client's address (as the server saw the connection).</summary>
    public string ClientHost { get; set; } = clientHost;

    /// <summary>How long the coordinator waits for it to rejoin during a rebalance.</summary>
    public int RebalanceTimeoutMs { get; set; }

    /// <summary>How long it may go without a heartbeat before it is removed.</summary>
    public int SessionTimeoutMs { get; set; }

    /// <summary>The protocols it supports, in its order of preference.</summary>
    public IReadOnlyList<MemberProtocol> Protocols { get; set; } = [];

    /// <summary>Its assignment in the current generation (empty until the leader's SyncGroup).</summary>
    public byte[] Assignment { get; set; } = [];

    /// <summary>Its held JoinGroup response, while it waits for the rebalance to complete.</summary>
    public TaskCompletionSource<JoinGroupResponse>? AwaitingJoin { get; set; }

    /// <summary>Its held SyncGroup response, while it waits for the leader's assignment.</summary>
    public TaskCompletionSource<SyncGroupResponse>? AwaitingSync { get; set; }

    /// <summary>When it is removed unless it heartbeats first (Unix milliseconds).</summary>
    public long HeartbeatDeadline { get; set; }

    /// <summary>Joined during the current rebalance (extends the initial delay).</summary>
    public bool IsNew { get; set; }

    /// <summary>The metadata it sent for <paramref name="protocol"/> (empty when it does not support it).</summary>
    public byte[] MetadataFor(string? protocol)
    {
        foreach (var p in Protocols)
        {
            if (p.Name == protocol)
            {
                return p.Metadata;
            }
        }
        return [];
    }

    /// <summary>True when <paramref name="protocols"/> equal its current ones (names, order and metadata).</summary>
    public bool Matches(IReadOnlyList<MemberProtocol> protocols)
    {
        if (protocols.Count != Protocols.Count)
        {
            return false;
        }
        for (var i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Name != Protocols[i].Name || !protocols[i].Metadata.AsSpan().SequenceEqual(Protocols[i].Metadata))
            {
                return false;
            }
        }
        return true;
    }
}
