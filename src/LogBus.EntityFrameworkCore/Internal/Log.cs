using Microsoft.Extensions.Logging;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>Structured log messages of the outbox and inbox.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "Could not send the outbox notification; relays will find the rows by polling")]
    public static partial void NotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(101, LogLevel.Warning, "{Count} message(s) published in this scope were never saved: call SaveChanges on the DbContext (with the outbox, Publish adds rows to it)")]
    public static partial void UnsavedMessages(ILogger logger, int count);

    [LoggerMessage(102, LogLevel.Information, "Outbox relay {RelayId} started ({Database}, {Lanes} lanes)")]
    public static partial void RelayStarted(ILogger logger, string relayId, string database, int lanes);

    [LoggerMessage(103, LogLevel.Error, "Outbox relay {RelayId} failed; retrying in {Delay}")]
    public static partial void RelayFailed(ILogger logger, Exception exception, string relayId, TimeSpan delay);

    [LoggerMessage(104, LogLevel.Warning, "Outbox row {Sequence} (message {MessageId}, topic {Topic}) failed delivery attempt {Attempt}; next try in {Delay}")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, long sequence, Guid messageId, string topic, int attempt, TimeSpan delay);

    [LoggerMessage(105, LogLevel.Error, "Outbox row {Sequence} (message {MessageId}, topic {Topic}) parked after {Attempts} attempts: {Reason}")]
    public static partial void Parked(ILogger logger, long sequence, Guid messageId, string topic, int attempts, string reason);

    [LoggerMessage(106, LogLevel.Information, "Outbox relay {RelayId} owns {Count} lane(s) of {Lanes} ({Relays} live relay(s))")]
    public static partial void LanesChanged(ILogger logger, string relayId, int count, int lanes, int relays);

    [LoggerMessage(107, LogLevel.Warning, "Outbox relay {RelayId} cannot LISTEN for notifications; polling every {Interval}")]
    public static partial void ListenFailed(ILogger logger, Exception exception, string relayId, TimeSpan interval);

    [LoggerMessage(108, LogLevel.Debug, "Group {GroupId} skipped message {MessageId}: the inbox shows it was handled")]
    public static partial void Duplicate(ILogger logger, string groupId, Guid messageId);

    [LoggerMessage(109, LogLevel.Warning, "Inbox cleanup failed")]
    public static partial void InboxCleanupFailed(ILogger logger, Exception exception);
}
