namespace LogBus.EntityFrameworkCore;

/// <summary>A live relay (<c>logbus_outbox_relays</c>), so relays can share the lanes fairly.</summary>
public sealed class OutboxRelayInstance
{
    /// <summary>Relay instance id.</summary>
    public string Owner { get; set; } = "";

    /// <summary>Last heartbeat (Unix ms).</summary>
    public long HeartbeatAtMs { get; set; }
}
