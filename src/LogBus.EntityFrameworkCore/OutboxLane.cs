namespace LogBus.EntityFrameworkCore;

/// <summary>
/// A relay lane lease (<c>logbus_outbox_lanes</c>): the relay instance that delivers the lane's rows until
/// <see cref="LeaseUntilMs"/>. One owner per lane keeps per-key order across application instances.
/// </summary>
public sealed class OutboxLane
{
    /// <summary>Lane number.</summary>
    public int Lane { get; set; }

    /// <summary>The owning relay instance, or null.</summary>
    public string? Owner { get; set; }

    /// <summary>Lease expiry (Unix ms).</summary>
    public long LeaseUntilMs { get; set; }
}
