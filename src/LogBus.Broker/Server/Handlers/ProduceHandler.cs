using System.Runtime.InteropServices;
using LogBus.Broker.Producers;
using LogBus.Broker.Replication;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// Produce (0): appends each partition's record batch as received (storage validates it and stamps
/// offsets in place in the request frame, which the connection owns). Idempotent batches (producer id
/// ≥ 0) are checked against the partition's producer state first: a duplicate of one of the producer's
/// last five batches is answered with its original offset and not appended again.
/// </summary>
/// <remarks>
/// acks 0 sends no response, 1 answers once the batch is in the log (page cache), -1 the same on a
/// single-node broker; in cluster mode only the partition leader appends (NOT_LEADER_OR_FOLLOWER
/// elsewhere), batches carry its leader epoch, and acks=-1 is refused with NOT_ENOUGH_REPLICAS when
/// the ISR is smaller than min.insync.replicas and otherwise answered once the high watermark covers
/// the batch. With <see cref="LogConfig.FlushOnEveryAppend"/> the answer waits for the fsync
/// covering the batch (the append itself still happens synchronously, in request order). Like Kafka
/// (Produce v3+), a partition's record set must hold exactly one batch.
/// </remarks>
internal sealed class ProduceHandler : RequestHandler<ProduceRequest>
{
    public override ApiKey ApiKey => ApiKey.Produce;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, ProduceRequest request)
    {
        var services = context.Services;
        var response = new ProduceResponse();
        var acksValid = request.Acks is 0 or 1 or -1;
        List<(ProduceResponse.Partition Result, PartitionLog Log, ValueTask Flush)>? flushes = null;
        List<(ProduceResponse.Partition Result, PartitionReplica Replica, long EndOffset)>? replications = null;
        foreach (var topic in request.Topics)
        {
            var topicResult = new ProduceResponse.Topic { Name = topic.Name };
            response.Responses.Add(topicResult);
            foreach (var partition in topic.Partitions)
            {
                var result = new ProduceResponse.Partition { Index = partition.Index, BaseOffset = -1 };
                topicResult.Partitions.Add(result);
                if (!acksValid)
                {
                    result.ErrorCode = ErrorCode.InvalidRequiredAcks;
                    continue;
                }
                if (InternalTopics.IsInternal(topic.Name))
                {
                    result.ErrorCode = ErrorCode.InvalidTopicException; // only the broker writes internal topics (Kafka)
                    continue;
                }
                // Cluster mode: only the leader appends, and acks=all needs min.insync.replicas in the ISR.
                var leadership = LeaderCheck.Check(services, topic.Name, partition.Index, -1, out var replica);
                if (leadership != ErrorCode.None)
                {
                    result.ErrorCode = leadership;
                    continue;
                }
                if (replica is not null && request.Acks == -1 && replica.Isr.Length < services.Replicas!.Options.MinInSyncReplicas)
                {
                    result.ErrorCode = ErrorCode.NotEnoughReplicas;
                    continue;
                }
                var log = replica?.Log ?? services.Logs.GetLog(topic.Name, partition.Index);
                if (log is null)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                try
                {
                    result.ErrorCode = Append(services, log, partition.Records, request.TransactionalId, result, LeaderCheck.EpochOf(replica), out var flushTo, out var endOffset);
                    result.LogStartOffset = log.LogStartOffset;
                    if (replica is not null && result.ErrorCode == ErrorCode.None)
                    {
                        replica.AdvanceHighWatermark();
                        if (request.Acks == -1 && log.HighWatermark < endOffset)
                        {
                            (replications ??= []).Add((result, replica, endOffset));
                        }
                    }
                    if (flushTo >= 0 && request.Acks != 0)
                    {
                        var flush = log.FlushToAsync(flushTo, context.CancellationToken);
                        if (!flush.IsCompletedSuccessfully)
                        {
                            (flushes ??= []).Add((result, log, flush));
                        }
                    }
                }
                catch (StorageException e)
                {
                    services.LoggerFactory.CreateLogger("LogBus.Broker.Produce").LogError(e, "Append to {Topic}-{Partition} failed", topic.Name, partition.Index);
                    result.ErrorCode = ErrorCode.KafkaStorageError;
                    result.BaseOffset = -1;
                }
                catch (ObjectDisposedException)
                {
                    // deleted or closing concurrently
                    result.ErrorCode = ErrorCode.NotLeaderOrFollower;
                    result.BaseOffset = -1;
                }
            }
        }
        if (request.Acks == 0)
        {
            return ValueTask.FromResult<KafkaResponse?>(null);
        }
        if (replications is not null)
        {
            return WaitForReplicationAsync(response, flushes, replications, request.TimeoutMs, services.Replicas!.Options.MinInSyncReplicas, context.CancellationToken);
        }
        return flushes is null ? Done(response) : WaitForFlushesAsync(response, flushes);
    }

    /// <summary>
    /// acks=all in cluster mode: answers once the high watermark (the ISR's lowest log end) covers each
    /// appended batch. A timeout gives REQUEST_TIMED_OUT and a lost leadership NOT_LEADER_OR_FOLLOWER:
    /// the producer retries, and the idempotent producer's retry is deduplicated by the leader.
    /// </summary>
    private static async ValueTask<KafkaResponse?> WaitForReplicationAsync(
        ProduceResponse response,
        List<(ProduceResponse.Partition Result, PartitionLog Log, ValueTask Flush)>? flushes,
        List<(ProduceResponse.Partition Result, PartitionReplica Replica, long EndOffset)> replications,
        int timeoutMs,
        int minInSyncReplicas,
        CancellationToken cancellationToken)
    {
        if (flushes is not null)
        {
            await WaitForFlushesAsync(response, flushes).ConfigureAwait(false);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(1, timeoutMs)));
        foreach (var (result, replica, endOffset) in replications)
        {
            if (result.ErrorCode != ErrorCode.None)
            {
                continue;
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            try
            {
                if (!await replica.WaitForHighWatermarkAsync(endOffset, linked.Token).ConfigureAwait(false))
                {
                    result.ErrorCode = ErrorCode.NotLeaderOrFollower; // leadership ended
                }
                else if (replica.Isr.Length < minInSyncReplicas)
                {
                    // Committed by a shrunken ISR only (Kafka's rule): tell the producer, which retries.
                    result.ErrorCode = ErrorCode.NotEnoughReplicasAfterAppend;
                }
            }
            catch (OperationCanceledException)
            {
                result.ErrorCode = timeout.IsCancellationRequested ? ErrorCode.RequestTimedOut : ErrorCode.NotLeaderOrFollower;
            }
            catch (ObjectDisposedException)
            {
                result.ErrorCode = ErrorCode.NotLeaderOrFollower;
            }
            if (result.ErrorCode != ErrorCode.None)
            {
                result.BaseOffset = -1;
            }
        }
        return response;
    }

    private static async ValueTask<KafkaResponse?> WaitForFlushesAsync(ProduceResponse response, List<(ProduceResponse.Partition Result, PartitionLog Log, ValueTask Flush)> flushes)
    {
        foreach (var (result, _, flush) in flushes)
        {
            try
            {
                await flush.ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or OperationCanceledException)
            {
                // Appended but not known to be durable: the producer must not count it as acknowledged.
                result.ErrorCode = e is OperationCanceledException ? ErrorCode.RequestTimedOut : ErrorCode.KafkaStorageError;
                result.BaseOffset = -1;
            }
        }
        return response;
    }

    /// <summary>
    /// Validates and appends one partition's record set. Returns the error code; on success sets the
    /// base offset and <paramref name="flushTo"/> (the offset to fsync to before answering, or -1).
    /// </summary>
    private static ErrorCode Append(BrokerServices services, PartitionLog log, RecordSet records, string? transactionalId, ProduceResponse.Partition result, int leaderEpoch, out long flushTo, out long endOffset)
    {
        flushTo = -1;
        endOffset = -1;
        if (records.IsNull || records.Length == 0)
        {
            return ErrorCode.CorruptMessage;
        }
        // The record set is a slice of the connection's pooled frame buffer: ours to stamp in place.
        var bytes = MemoryMarshal.AsMemory(records.Memory).Span;
        if (!RecordBatchHeader.TryRead(bytes, out var header))
        {
            return ErrorCode.CorruptMessage;
        }
        if (header.TotalSize != bytes.Length)
        {
            // Kafka (Produce v3+): exactly one batch per partition.
            return header.Magic != RecordBatchHeader.CurrentMagic ? ErrorCode.UnsupportedForMessageFormat
                : header.TotalSize > bytes.Length || header.BatchLength < 0 ? ErrorCode.CorruptMessage
                : ErrorCode.InvalidRecord;
        }
        if (header.IsControl)
        {
            return ErrorCode.InvalidRecord; // only the broker writes control batches
        }
        AppendResult append;
        if (header.IsTransactional)
        {
            if (transactionalId is null || header.ProducerId < 0)
            {
                return ErrorCode.InvalidRecord; // a transactional batch needs a transactional producer
            }
            var metadata = services.Transactions?.FindByProducerId(header.ProducerId);
            if (metadata is null)
            {
                return ErrorCode.InvalidProducerIdMapping;
            }
            // Check and append under the transaction's lock: once EndTxn made a Prepare state current,
            // no batch of the transaction can land after its markers.
            lock (metadata.Lock)
            {
                var check = Transactions.TransactionCoordinator.CheckAppend(metadata, header.ProducerId, header.ProducerEpoch, log.Topic, log.Partition);
                if (check != ErrorCode.None)
                {
                    return check;
                }
                var code = AppendIdempotent(services, log, bytes, header, transactional: true, result, leaderEpoch, ref flushTo, ref endOffset, out append);
                if (code is not { } c)
                {
                    return ToErrorCode(append, log, result, ref flushTo, ref endOffset);
                }
                return c;
            }
        }
        if (header.ProducerId < 0)
        {
            append = log.Append(bytes, leaderEpoch);
        }
        else
        {
            if (AppendIdempotent(services, log, bytes, header, transactional: false, result, leaderEpoch, ref flushTo, ref endOffset, out append) is { } code)
            {
                return code;
            }
        }
        return ToErrorCode(append, log, result, ref flushTo, ref endOffset);
    }

    /// <summary>
    /// Checks the batch's sequence against the producer state and appends it; returns an error code
    /// when answered without appending (duplicates too), null when <paramref name="append"/> tells.
    /// A transactional batch opens the producer's transaction on the partition before it becomes
    /// visible (the last stable offset stops below it).
    /// </summary>
    private static ErrorCode? AppendIdempotent(BrokerServices services, PartitionLog log, Span<byte> bytes, in RecordBatchHeader header, bool transactional, ProduceResponse.Partition result, int leaderEpoch, ref long flushTo, ref long endOffset, out AppendResult append)
    {
        append = default;
        var registered = false;
        var state = services.Producers.Get(log);
        try
        {
            lock (state.Lock)
            {
                // Storage validates (CRC, lengths) inside Append; checking sequences of a corrupt batch
                // first is harmless because nothing is recorded unless the append succeeds.
                switch (state.Check(header, out var duplicate))
                {
                    case SequenceCheck.Duplicate:
                        result.BaseOffset = duplicate.FirstOffset;
                        endOffset = duplicate.LastOffset + 1;
                        flushTo = log.Config.FlushOnEveryAppend ? duplicate.LastOffset + 1 : -1;
                        return ErrorCode.None;
                    case SequenceCheck.OutOfOrderSequence:
                        return ErrorCode.OutOfOrderSequenceNumber;
                    case SequenceCheck.UnknownProducerId:
                        return ErrorCode.UnknownProducerId;
                    case SequenceCheck.InvalidProducerEpoch:
                        return ErrorCode.InvalidProducerEpoch;
                }
                // Registered at the log end before the append (a lower bound: other appends may land
                // first), corrected to the batch's real offset after it.
                registered = transactional && state.BeginTransaction(header.ProducerId, log.LogEndOffset);
                append = log.Append(bytes, leaderEpoch);
                if (append.Succeeded)
                {
                    RecordBatchHeader.TryRead(bytes, out var stamped);
                    state.Update(stamped, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
                    if (registered)
                    {
                        state.CorrectTransactionStart(header.ProducerId, append.BaseOffset);
                    }
                }
                else if (registered)
                {
                    state.CancelTransactionStart(header.ProducerId);
                }
            }
        }
        catch
        {
            if (registered)
            {
                lock (state.Lock)
                {
                    state.CancelTransactionStart(header.ProducerId);
                }
            }
            throw;
        }
        if (registered)
        {
            log.SignalChanged(); // the last stable offset settled after the append woke the waiters
        }
        return null;
    }

    private static ErrorCode ToErrorCode(in AppendResult append, PartitionLog log, ProduceResponse.Partition result, ref long flushTo, ref long endOffset)
    {
        if (!append.Succeeded)
        {
            return append.Error switch
            {
                AppendError.InvalidRecordCount => ErrorCode.InvalidRecord,
                AppendError.UnsupportedMagic => ErrorCode.UnsupportedForMessageFormat,
                AppendError.BatchTooLarge => ErrorCode.MessageTooLarge,
                AppendError.StaleLeaderEpoch => ErrorCode.FencedLeaderEpoch,
                _ => ErrorCode.CorruptMessage,
            };
        }
        result.BaseOffset = append.BaseOffset;
        endOffset = append.LastOffset + 1;
        if (log.Config.FlushOnEveryAppend)
        {
            flushTo = append.LastOffset + 1;
        }
        return ErrorCode.None;
    }
}
