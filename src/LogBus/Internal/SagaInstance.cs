namespace LogBus.Internal;

/// <summary>A stored saga instance: state as JSON and an optimistic-concurrency version (0 = not stored yet).</summary>
internal sealed class SagaInstance
{
    public required string Saga { get; init; }
    public required string CorrelationId { get; init; }
    public string State { get; set; } = "{}";
    public int Version { get; set; }
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
    public long? CompletedAtMs { get; set; }
}
