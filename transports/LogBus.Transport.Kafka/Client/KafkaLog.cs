using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>Structured log messages of the managed client (event ids 7000-7099).</summary>
internal static partial class KafkaLog
{
    [LoggerMessage(7000, LogLevel.Debug, "Connection to broker {Endpoint} (node {NodeId}) closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string endpoint, int nodeId, string reason);

    [LoggerMessage(7001, LogLevel.Warning, "Cannot connect to broker {Endpoint} (node {NodeId}); retrying in {Backoff}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, int nodeId, TimeSpan backoff, string reason);

    [LoggerMessage(7002, LogLevel.Debug, "Metadata refreshed: {Brokers} broker(s), {Topics} topic(s)")]
    public static partial void MetadataRefreshed(ILogger logger, int brokers, int topics);

    [LoggerMessage(7003, LogLevel.Warning, "Metadata refresh failed: {Reason}")]
    public static partial void MetadataRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(7010, LogLevel.Information, "Producer initialized idempotence: producer id {ProducerId}, epoch {Epoch}")]
    public static partial void ProducerIdAssigned(ILogger logger, long producerId, short epoch);

    [LoggerMessage(7011, LogLevel.Debug, "Produce to {Topic}[{Partition}] failed with {Error}; retry {Attempt} in {Backoff}")]
    public static partial void ProduceRetry(ILogger logger, string topic, int partition, string error, int attempt, TimeSpan backoff);

    [LoggerMessage(7012, LogLevel.Warning, "Produce to {Topic}[{Partition}] failed: {Error}")]
    public static partial void ProduceFailed(ILogger logger, string topic, int partition, string error);

    [LoggerMessage(7013, LogLevel.Warning, "Producer sender loop for node {NodeId} failed; restarting: {Reason}")]
    public static partial void SenderFailed(ILogger logger, int nodeId, string reason);

    [LoggerMessage(7020, LogLevel.Information, "Consumer {ClientId} joined group {GroupId} generation {Generation} as {MemberId} (leader: {IsLeader})")]
    public static partial void JoinedGroup(ILogger logger, string clientId, string groupId, int generation, string memberId, bool isLeader);

    [LoggerMessage(7021, LogLevel.Information, "Consumer {ClientId} of group {GroupId} assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string clientId, string groupId, string partitions);

    [LoggerMessage(7022, LogLevel.Information, "Consumer {ClientId} of group {GroupId} rejoins: {Reason}")]
    public static partial void Rejoin(ILogger logger, string clientId, string groupId, string reason);

    [LoggerMessage(7023, LogLevel.Warning, "Consumer {ClientId} of group {GroupId}: {Operation} failed, retrying: {Reason}")]
    public static partial void GroupOperationFailed(ILogger logger, string clientId, string groupId, string operation, string reason);

    [LoggerMessage(7024, LogLevel.Warning, "Fetch from node {NodeId} failed; retrying: {Reason}")]
    public static partial void FetchFailed(ILogger logger, int nodeId, string reason);

    [LoggerMessage(7025, LogLevel.Information, "Partition {Partition} reset to offset {Offset} ({Reason})")]
    public static partial void OffsetReset(ILogger logger, string partition, long offset, string reason);
}
