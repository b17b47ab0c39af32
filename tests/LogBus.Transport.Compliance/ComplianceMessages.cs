namespace LogBus.Transport.Compliance;

/// <summary>The message the compliance suite publishes.</summary>
/// <param name="Key">Partition key.</param>
/// <param name="Sequence">Position in the key's sequence (or globally).</param>
/// <param name="FailTimes">Handler attempts that throw before one succeeds (-1: always throw).</param>
public sealed record ComplianceOrder(string Key, int Sequence, int FailTimes = 0);
