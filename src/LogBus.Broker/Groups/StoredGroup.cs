namespace LogBus.Broker.Groups;

/// <summary>
/// A group's membership as persisted when a generation becomes stable or the group becomes empty, so a
/// restarted broker resumes the generation (members keep heartbeating) and times offset expiry from
/// the moment the group became empty.
/// </summary>
internal sealed record StoredGroup(
    string ProtocolType,
    int GenerationId,
    string? ProtocolName,
    string? LeaderId,
    long StateTimestamp,
    IReadOnlyList<StoredMember> Members);
