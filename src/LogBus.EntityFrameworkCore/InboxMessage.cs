namespace LogBus.EntityFrameworkCore;

/// <summary>
/// A row of the inbox table (<c>logbus_inbox</c>): a message a consumer group has handled, committed in
/// the same database transaction as the handler's changes, so a redelivered message is skipped.
/// </summary>
public sealed class InboxMessage
{
    /// <summary>The consumer group.</summary>
    public string ConsumerGroup { get; set; } = "";

    /// <summary>The message id.</summary>
    public Guid MessageId { get; set; }

    /// <summary>When it was handled (Unix milliseconds, UTC); rows older than the retention are deleted.</summary>
    public long ProcessedAtMs { get; set; }
}
