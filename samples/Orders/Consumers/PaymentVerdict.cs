namespace Orders.Consumers;

/// <summary>What the simulated gateway answered.</summary>
public sealed record PaymentVerdict(bool Accepted, string? TransactionId, string? DeclineReason);
