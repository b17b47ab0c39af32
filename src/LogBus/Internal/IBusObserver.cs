using LogBus.Transport;

namespace LogBus.Internal;

/// <summary>
/// Sees everything the bus does; the test harness is one. Called synchronously on the bus's hot paths,
/// so implementations must be fast, thread-safe and must not throw.
/// </summary>
internal interface IBusObserver
{
    /// <summary>A message is about to be handed to the transport.</summary>
    void OnPublishing(in OutgoingMessage message);

    /// <summary>The transport accepted the message.</summary>
    void OnPublished(in OutgoingMessage message, DeliveryResult result);

    /// <summary>The transport refused the message; it is not in the log.</summary>
    void OnPublishFailed(in OutgoingMessage message, Exception exception);

    /// <summary>A record's first handler attempt starts (retries do not call this again).</summary>
    void OnConsuming(ConsumeContext context);

    /// <summary>Handling stopped unfinished (consumer stopping or partition revoked); the record will be redelivered.</summary>
    void OnConsumeAbandoned(ConsumeContext context);

    /// <summary>A handler completed the message.</summary>
    void OnConsumed(ConsumeContext context);

    /// <summary>The group gave up on a record: dead-lettered (or skipped when dead-lettering is off).</summary>
    void OnFaulted(string groupId, LogRecord record, Guid messageId, ConsumeContext? context, Exception? exception, string reason);

    /// <summary>The group read a record of a type it does not handle and moved past it.</summary>
    void OnSkipped(string groupId, LogRecord record, Guid messageId);
}
