namespace LogBus.EntityFrameworkCore;

/// <summary>A message a saga instance scheduled (<c>logbus_saga_scheduled</c>), published when due.</summary>
public sealed class SagaScheduledMessage
{
    /// <summary>Row id.</summary>
    public long Id { get; set; }

    /// <summary>The saga's name.</summary>
    public string Saga { get; set; } = "";

    /// <summary>The instance's correlation id.</summary>
    public string CorrelationId { get; set; } = "";

    /// <summary>When to publish (Unix ms).</summary>
    public long DueAtMs { get; set; }

    /// <summary>The message-type name.</summary>
    public string MessageType { get; set; } = "";

    /// <summary>The message, serialized with the bus serializer.</summary>
    public byte[] Payload { get; set; } = [];
}
