using System.Buffers;
using LogBus.Broker.Replication;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// ListOffsets (2): -2 → the log start offset, -1 → the high watermark (read_uncommitted) or the last
/// stable offset (read_committed, isolation level 1), a timestamp → the offset of the first record whose timestamp is at or after it
/// (-1 when none). Storage finds the batch by its max timestamp; the handler reads that one batch and
/// walks its records for the exact record (Kafka semantics), falling back to the batch's base offset
/// for a batch it cannot decompress.
/// </summary>
internal sealed class ListOffsetsHandler : RequestHandler<ListOffsetsRequest>
{
    /// <summary>Timestamp asking for the latest offset.</summary>
    public const long Latest = -1;

    /// <summary>Timestamp asking for the earliest offset.</summary>
    public const long Earliest = -2;

    public override ApiKey ApiKey => ApiKey.ListOffsets;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request)
    {
        var response = new ListOffsetsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new ListOffsetsResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            foreach (var partition in topic.Partitions)
            {
                var result = new ListOffsetsResponse.Partition { PartitionIndex = partition.PartitionIndex };
                topicResult.Partitions.Add(result);
                var leadership = LeaderCheck.Check(context.Services, topic.Name, partition.PartitionIndex, partition.CurrentLeaderEpoch, out var replica);
                if (leadership != ErrorCode.None)
                {
                    result.ErrorCode = leadership;
                    continue;
                }
                var log = replica?.Log ?? context.Services.Logs.GetLog(topic.Name, partition.PartitionIndex);
                if (log is null)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                try
                {
                    Lookup(log, partition.Timestamp, request.IsolationLevel == 1 ? context.Services.Producers : null, result, LeaderCheck.EpochOf(replica));
                }
                catch (ObjectDisposedException)
                {
                    result.ErrorCode = ErrorCode.NotLeaderOrFollower;
                }
                catch (StorageException)
                {
                    result.ErrorCode = ErrorCode.KafkaStorageError;
                }
            }
        }
        return Done(response);
    }

    private static void Lookup(PartitionLog log, long timestamp, Producers.ProducerStateManager? readCommitted, ListOffsetsResponse.Partition result, int leaderEpoch)
    {
        result.LeaderEpoch = leaderEpoch;
        switch (timestamp)
        {
            case Latest:
                result.Offset = readCommitted is null ? log.HighWatermark : readCommitted.Get(log).LastStableOffset(log.HighWatermark);
                result.Timestamp = -1;
                return;
            case Earliest:
                result.Offset = log.LogStartOffset;
                result.Timestamp = -1;
                return;
            case < 0:
                result.ErrorCode = ErrorCode.InvalidRequest;
                return;
        }
        var found = log.FindOffsetByTimestamp(timestamp);
        if (found is not { } batch || batch.Offset >= log.HighWatermark)
        {
            result.Offset = -1;
            result.Timestamp = -1;
            return;
        }
        (result.Offset, result.Timestamp) = FindRecord(log, batch, timestamp);
    }

    /// <summary>The first record at or after <paramref name="timestamp"/> in the batch storage found.</summary>
    private static (long Offset, long Timestamp) FindRecord(PartitionLog log, TimestampOffset batch, long timestamp)
    {
        using var read = log.Read(batch.Offset, 1, log.HighWatermark, minOneBatch: true);
        if (read.Length == 0)
        {
            return (batch.Offset, batch.Timestamp);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(read.Length);
        try
        {
            var n = read.CopyTo(buffer);
            var reader = new RecordBatchReader(buffer.AsMemory(0, n));
            if (reader.TryReadNext(out var first))
            {
                try
                {
                    foreach (var record in first.GetRecords())
                    {
                        if (record.Timestamp >= timestamp && record.Offset >= log.LogStartOffset)
                        {
                            return (record.Offset, record.Timestamp);
                        }
                    }
                }
                catch (KafkaProtocolException)
                {
                    // e.g. a compression codec we cannot read: batch granularity
                }
            }
            return (batch.Offset, batch.Timestamp);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
