namespace LogBus.Broker.Groups;

/// <summary>A member as described for a CLI.</summary>
/// <param name="MemberId">The member id.</param>
/// <param name="GroupInstanceId">The static instance id, or null.</param>
/// <param name="ClientId">The client id.</param>
/// <param name="ClientHost">The client's address.</param>
/// <param name="Assignment">Its partitions, decoded from the consumer protocol (empty for other protocol types or before sync).</param>
internal sealed record GroupMemberDescription(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    IReadOnlyList<(string Topic, int Partition)> Assignment);
