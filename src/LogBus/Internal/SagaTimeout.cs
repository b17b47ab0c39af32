namespace LogBus.Internal;

/// <summary>A scheduled message of a saga instance, serialized with the bus serializer.</summary>
internal sealed class SagaTimeout
{
    public long Id { get; set; }
    public required string Saga { get; init; }
    public required string CorrelationId { get; init; }
    public long DueAtMs { get; init; }
    public required string MessageType { get; init; }
    public required byte[] Payload { get; init; }
}
