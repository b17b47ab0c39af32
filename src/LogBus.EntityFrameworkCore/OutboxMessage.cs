namespace LogBus.EntityFrameworkCore;

/// <summary>
/// A row of the outbox table (<c>logbus_outbox</c>): a serialized record waiting to be appended to the
/// log. Written by <see cref="IPublisher"/> inside a unit of work; delivered and deleted by the relay.
/// Rows that cannot be delivered after the configured attempts are parked (<see cref="ParkedAtMs"/> set)
/// with their last error and stay for an operator to inspect.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>Insertion order (database identity); the relay delivers in this order per key.</summary>
    public long Sequence { get; set; }

    /// <summary>Relay lane: a hash of the key (or message id) modulo the lane count; one relay owns a lane at a time.</summary>
    public int Lane { get; set; }

    /// <summary>Destination topic.</summary>
    public string Topic { get; set; } = "";

    /// <summary>Partition key bytes, or null.</summary>
    public byte[]? Key { get; set; }

    /// <summary>The serialized message.</summary>
    public byte[] Value { get; set; } = [];

    /// <summary>Record headers in LogBus's outbox encoding (see <c>OutboxHeaders</c>).</summary>
    public byte[] Headers { get; set; } = [];

    /// <summary>The envelope message id.</summary>
    public Guid MessageId { get; set; }

    /// <summary>The message-type name.</summary>
    public string? MessageType { get; set; }

    /// <summary>When it was published (Unix milliseconds, UTC).</summary>
    public long CreatedAtMs { get; set; }

    /// <summary>Delivery attempts that failed.</summary>
    public int Attempts { get; set; }

    /// <summary>Earliest next attempt after a failure (Unix ms), or null.</summary>
    public long? NextAttemptAtMs { get; set; }

    /// <summary>The last delivery error.</summary>
    public string? LastError { get; set; }

    /// <summary>When the row was parked (Unix ms), or null while it is still being delivered.</summary>
    public long? ParkedAtMs { get; set; }
}
