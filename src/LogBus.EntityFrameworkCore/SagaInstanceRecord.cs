namespace LogBus.EntityFrameworkCore;

/// <summary>A saga instance row (<c>logbus_saga_instances</c>): JSON state and an optimistic-concurrency version.</summary>
public sealed class SagaInstanceRecord
{
    /// <summary>The saga's name (its full CLR type name).</summary>
    public string Saga { get; set; } = "";

    /// <summary>The instance's correlation id.</summary>
    public string CorrelationId { get; set; } = "";

    /// <summary>The state as JSON.</summary>
    public string State { get; set; } = "{}";

    /// <summary>Incremented by every save; a save expecting an older version fails (concurrency token).</summary>
    public int Version { get; set; }

    /// <summary>When the instance started (Unix ms).</summary>
    public long CreatedAtMs { get; set; }

    /// <summary>Last change (Unix ms).</summary>
    public long UpdatedAtMs { get; set; }

    /// <summary>When it completed (Unix ms), for instances kept after completion.</summary>
    public long? CompletedAtMs { get; set; }
}
