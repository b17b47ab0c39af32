namespace LogBus.Broker.Groups;

/// <summary>A member as persisted with its group at the end of a rebalance.</summary>
internal sealed record StoredMember(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    int RebalanceTimeoutMs,
    int SessionTimeoutMs,
    byte[] Subscription,
    byte[] Assignment);
