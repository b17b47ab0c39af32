using Microsoft.Extensions.Logging;

namespace LogBus.Internal;

/// <summary>Structured log messages of the bus (source-generated, no allocation when disabled).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "LogBus started on the {Transport} transport with {ConsumerCount} consumer(s)")]
    public static partial void BusStarted(ILogger logger, string transport, int consumerCount);

    [LoggerMessage(2, LogLevel.Information, "Consumer {Consumer} (group {GroupId}) subscribed to {Topics}")]
    public static partial void ConsumerSubscribed(ILogger logger, string consumer, string groupId, string topics);

    [LoggerMessage(3, LogLevel.Error, "Consumer {Consumer} (group {GroupId}) failed; restarting in {Delay}")]
    public static partial void ConsumerFailed(ILogger logger, Exception exception, string consumer, string groupId, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Information, "Consumer {Consumer} (group {GroupId}) assigned {Partitions}")]
    public static partial void PartitionsAssigned(ILogger logger, string consumer, string groupId, string partitions);

    [LoggerMessage(5, LogLevel.Information, "Consumer {Consumer} (group {GroupId}) revoked {Partitions}")]
    public static partial void PartitionsRevoked(ILogger logger, string consumer, string groupId, string partitions);

    [LoggerMessage(6, LogLevel.Warning, "Handler {Consumer} failed on {Topic}[{Partition}]@{Offset} (message {MessageId}, attempt {Attempt}); retrying in {Delay}")]
    public static partial void HandlerRetry(ILogger logger, Exception exception, string consumer, string topic, int partition, long offset, Guid messageId, int attempt, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Error, "Message {MessageId} at {Topic}[{Partition}]@{Offset} dead-lettered to {DeadLetterTopic} by group {GroupId}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, Exception? exception, Guid messageId, string topic, int partition, long offset, string deadLetterTopic, string groupId, string reason);

    [LoggerMessage(8, LogLevel.Error, "Message {MessageId} at {Topic}[{Partition}]@{Offset} skipped by group {GroupId} (dead-lettering is off): {Reason}")]
    public static partial void FailedSkipped(ILogger logger, Exception? exception, Guid messageId, string topic, int partition, long offset, string groupId, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Could not dead-letter message {MessageId} to {DeadLetterTopic}; retrying in {Delay}")]
    public static partial void DeadLetterRetry(ILogger logger, Exception exception, Guid messageId, string deadLetterTopic, TimeSpan delay);

    [LoggerMessage(10, LogLevel.Warning, "Commit of group {GroupId} failed")]
    public static partial void CommitFailed(ILogger logger, Exception exception, string groupId);

    [LoggerMessage(11, LogLevel.Warning, "Consumer {Consumer} (group {GroupId}): in-flight handlers did not finish within {Timeout} (or the host's shutdown timeout); cancelling them. State: {State}")]
    public static partial void DrainTimedOut(ILogger logger, string consumer, string groupId, TimeSpan timeout, string state);

    [LoggerMessage(12, LogLevel.Information, "Consumer {Consumer} (group {GroupId}) stopped")]
    public static partial void ConsumerStopped(ILogger logger, string consumer, string groupId);

    [LoggerMessage(13, LogLevel.Debug, "Group {GroupId} skipped {Topic}[{Partition}]@{Offset}: message type {MessageType} is not handled by this consumer")]
    public static partial void Skipped(ILogger logger, string groupId, string topic, int partition, long offset, string messageType);
}
