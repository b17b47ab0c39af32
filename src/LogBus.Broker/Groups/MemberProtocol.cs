namespace LogBus.Broker.Groups;

/// <summary>One protocol (assignor) a member supports, with its metadata copied out of the request frame.</summary>
internal sealed record MemberProtocol(string Name, byte[] Metadata);
