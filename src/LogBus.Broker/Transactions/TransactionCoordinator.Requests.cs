using LogBus.Broker.Groups;
using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Transactions;

internal sealed partial class TransactionCoordinator
{
    /// <summary>
    /// InitProducerId with a transactional id: the first call binds a new producer id (epoch 0); later
    /// calls bump the epoch (a new producer id when the epoch is exhausted), fencing every older
    /// instance. An open transaction is aborted first (its markers carry a bumped epoch); a prepared one
    /// is finished first.
    /// </summary>
    public async ValueTask<InitProducerIdResponse> InitProducerIdAsync(string transactionalId, int transactionTimeoutMs)
    {
        if (transactionalId.Length == 0)
        {
            return new InitProducerIdResponse { ErrorCode = ErrorCode.InvalidRequest };
        }
        if (transactionTimeoutMs <= 0 || transactionTimeoutMs > _options.MaxTransactionTimeout.TotalMilliseconds)
        {
            return new InitProducerIdResponse { ErrorCode = ErrorCode.InvalidTransactionTimeout };
        }
        if (IsClosed)
        {
            return new InitProducerIdResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
        }
        int partitions;
        try
        {
            partitions = Stores().Length;
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
        {
            _logger.LogWarning(e, "Cannot open {Topic}", TransactionCoordinatorOptions.StateTopicName);
            return new InitProducerIdResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
        }
        var metadata = _byId.GetOrAdd(transactionalId, id => new TransactionMetadata(id, PartitionFor(id, partitions),
            new TransactionRecord(-1, -1, transactionTimeoutMs, TransactionState.Empty, -1, NowMs, TransactionRecord.NoPartitions, TransactionRecord.NoOffsets)));
        var (error, gate) = await EnterAsync(metadata).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return new InitProducerIdResponse { ErrorCode = error };
        }
        using (gate)
        {
            try
            {
                var current = metadata.Current;
                if (current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
                {
                    if (!await CompleteAsync(metadata, current).ConfigureAwait(false))
                    {
                        return new InitProducerIdResponse { ErrorCode = ErrorCode.ConcurrentTransactions };
                    }
                }
                else if (current.State == TransactionState.Ongoing)
                {
                    _logger.LogInformation("Transaction {Id}: InitProducerId aborts the open transaction of epoch {Epoch}", transactionalId, current.ProducerEpoch);
                    if (!await AbortAndFenceAsync(metadata).ConfigureAwait(false))
                    {
                        return new InitProducerIdResponse { ErrorCode = ErrorCode.ConcurrentTransactions };
                    }
                }
                current = metadata.Current;
                long producerId;
                short epoch;
                if (current.ProducerId < 0 || current.ProducerEpoch >= short.MaxValue - 1)
                {
                    producerId = _producerIds.Allocate();
                    epoch = 0;
                }
                else
                {
                    producerId = current.ProducerId;
                    epoch = (short)(current.ProducerEpoch + 1);
                }
                await WriteAsync(metadata, new TransactionRecord(producerId, epoch, transactionTimeoutMs, TransactionState.Empty, -1, NowMs, TransactionRecord.NoPartitions, TransactionRecord.NoOffsets)).ConfigureAwait(false);
                return new InitProducerIdResponse { ProducerId = producerId, ProducerEpoch = epoch };
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                _logger.LogWarning(e, "Transaction {Id}: InitProducerId failed", transactionalId);
                return new InitProducerIdResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
            }
        }
    }

    /// <summary>AddPartitionsToTxn: adds partitions to the producer's open transaction (opening one).</summary>
    public async ValueTask<AddPartitionsToTxnResponse> AddPartitionsAsync(AddPartitionsToTxnRequest request)
    {
        var response = new AddPartitionsToTxnResponse();
        var results = new List<PartitionError>();
        foreach (var topic in request.Topics)
        {
            var errors = topic.Partitions.Select(p => new PartitionError { PartitionIndex = p }).ToList();
            results.AddRange(errors);
            response.Results.Add(new TopicPartitionErrors { Name = topic.Name, Partitions = errors });
        }
        var error = await AddAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Topics, null, response).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            foreach (var r in results)
            {
                r.ErrorCode = error;
            }
        }
        return response;
    }

    /// <summary>AddOffsetsToTxn: adds a consumer group to the producer's open transaction (opening one).</summary>
    public async ValueTask<AddOffsetsToTxnResponse> AddOffsetsAsync(AddOffsetsToTxnRequest request)
    {
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return new AddOffsetsToTxnResponse { ErrorCode = ErrorCode.InvalidGroupId };
        }
        var error = await AddAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, null, request.GroupId, null).ConfigureAwait(false);
        return new AddOffsetsToTxnResponse { ErrorCode = error };
    }

    private async ValueTask<ErrorCode> AddAsync(string transactionalId, long producerId, short epoch, List<AddPartitionsToTxnRequest.Topic>? topics, string? group, AddPartitionsToTxnResponse? response)
    {
        if (!_byId.TryGetValue(transactionalId, out var metadata))
        {
            return ErrorCode.InvalidProducerIdMapping;
        }
        var (error, gate) = await EnterAsync(metadata).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return error;
        }
        using (gate)
        {
            var current = metadata.Current;
            error = CheckProducer(current, producerId, epoch);
            if (error != ErrorCode.None)
            {
                return error;
            }
            if (current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
            {
                return ErrorCode.ConcurrentTransactions;
            }
            var open = current.State == TransactionState.Ongoing;
            var partitions = open ? new HashSet<(string, int)>(current.Partitions) : new HashSet<(string, int)>();
            var offsets = open ? new Dictionary<string, IReadOnlyList<PendingOffset>>(current.Offsets, StringComparer.Ordinal) : new Dictionary<string, IReadOnlyList<PendingOffset>>(StringComparer.Ordinal);
            var changed = !open;
            if (topics is not null)
            {
                var unknown = false;
                for (var t = 0; t < topics.Count; t++)
                {
                    var description = _logs.GetTopic(topics[t].Name);
                    var internalTopic = topics[t].Name.StartsWith("__", StringComparison.Ordinal) && (topics[t].Name == GroupCoordinatorOptions.OffsetsTopicName || topics[t].Name == TransactionCoordinatorOptions.StateTopicName);
                    for (var i = 0; i < topics[t].Partitions.Count; i++)
                    {
                        var p = topics[t].Partitions[i];
                        if (description is null || internalTopic || p < 0 || p >= description.Partitions)
                        {
                            response!.Results[t].Partitions[i].ErrorCode = internalTopic ? ErrorCode.InvalidTopicException : ErrorCode.UnknownTopicOrPartition;
                            unknown = true;
                        }
                        else
                        {
                            changed |= partitions.Add((topics[t].Name, p));
                        }
                    }
                }
                if (unknown)
                {
                    foreach (var r in response!.Results.SelectMany(r => r.Partitions).Where(r => r.ErrorCode == ErrorCode.None))
                    {
                        r.ErrorCode = ErrorCode.OperationNotAttempted;
                    }
                    return ErrorCode.None; // per-partition errors already set
                }
            }
            if (group is not null && !offsets.ContainsKey(group))
            {
                offsets[group] = [];
                changed = true;
            }
            if (!changed)
            {
                return ErrorCode.None;
            }
            try
            {
                var now = NowMs;
                await WriteAsync(metadata, current with
                {
                    State = TransactionState.Ongoing,
                    StartTimestampMs = open ? current.StartTimestampMs : now,
                    UpdateTimestampMs = now,
                    Partitions = partitions,
                    Offsets = offsets,
                }).ConfigureAwait(false);
                return ErrorCode.None;
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                _logger.LogWarning(e, "Transaction {Id}: adding to the transaction failed", transactionalId);
                return ErrorCode.CoordinatorNotAvailable;
            }
        }
    }

    /// <summary>
    /// TxnOffsetCommit: records consumer offsets in the open transaction. They become the group's
    /// committed offsets when the transaction commits and are dropped when it aborts; OffsetFetch never
    /// shows them before.
    /// </summary>
    public async ValueTask<TxnOffsetCommitResponse> TxnOffsetCommitAsync(TxnOffsetCommitRequest request)
    {
        var response = new TxnOffsetCommitResponse();
        foreach (var topic in request.Topics)
        {
            response.Topics.Add(new TopicPartitionErrors { Name = topic.Name, Partitions = topic.Partitions.Select(p => new PartitionError { PartitionIndex = p.PartitionIndex }).ToList() });
        }
        var error = await TxnOffsetCommitCoreAsync(request, response).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            foreach (var p in response.Topics.SelectMany(t => t.Partitions))
            {
                p.ErrorCode = error;
            }
        }
        return response;
    }

    private async ValueTask<ErrorCode> TxnOffsetCommitCoreAsync(TxnOffsetCommitRequest request, TxnOffsetCommitResponse response)
    {
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return ErrorCode.InvalidGroupId;
        }
        if (!_byId.TryGetValue(request.TransactionalId, out var metadata))
        {
            return ErrorCode.InvalidProducerIdMapping;
        }
        var (error, gate) = await EnterAsync(metadata).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return error;
        }
        using (gate)
        {
            var current = metadata.Current;
            error = CheckProducer(current, request.ProducerId, request.ProducerEpoch);
            if (error != ErrorCode.None)
            {
                return error;
            }
            if (current.State != TransactionState.Ongoing || !current.Offsets.TryGetValue(request.GroupId, out var pending))
            {
                return ErrorCode.InvalidTxnState; // AddOffsetsToTxn comes first
            }
            var merged = pending.ToDictionary(o => (o.Topic, o.Partition));
            for (var t = 0; t < request.Topics.Count; t++)
            {
                var topic = request.Topics[t];
                for (var i = 0; i < topic.Partitions.Count; i++)
                {
                    var p = topic.Partitions[i];
                    var check = _groups.ValidateTransactionalOffset(topic.Name, p.PartitionIndex, p.CommittedMetadata);
                    if (check != ErrorCode.None)
                    {
                        response.Topics[t].Partitions[i].ErrorCode = check;
                        continue;
                    }
                    merged[(topic.Name, p.PartitionIndex)] = new PendingOffset(topic.Name, p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata ?? string.Empty);
                }
            }
            var offsets = new Dictionary<string, IReadOnlyList<PendingOffset>>(current.Offsets, StringComparer.Ordinal)
            {
                [request.GroupId] = merged.Values.ToList(),
            };
            try
            {
                await WriteAsync(metadata, current with { Offsets = offsets, UpdateTimestampMs = NowMs }).ConfigureAwait(false);
                return ErrorCode.None;
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                _logger.LogWarning(e, "Transaction {Id}: TxnOffsetCommit failed", request.TransactionalId);
                return ErrorCode.CoordinatorNotAvailable;
            }
        }
    }

    /// <summary>
    /// EndTxn: commits or aborts the open transaction. The Prepare state is made durable, then markers
    /// go to every partition, committed offsets to their groups, and the Complete state is written; the
    /// answer comes after all of that (or after the Prepare state when a later step failed: the timer
    /// finishes it). A retried EndTxn of a completed transaction with the same outcome succeeds.
    /// </summary>
    public async ValueTask<EndTxnResponse> EndTxnAsync(EndTxnRequest request)
    {
        if (!_byId.TryGetValue(request.TransactionalId, out var metadata))
        {
            return new EndTxnResponse { ErrorCode = ErrorCode.InvalidProducerIdMapping };
        }
        var (error, gate) = await EnterAsync(metadata).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return new EndTxnResponse { ErrorCode = error };
        }
        using (gate)
        {
            var current = metadata.Current;
            error = CheckProducer(current, request.ProducerId, request.ProducerEpoch);
            if (error != ErrorCode.None)
            {
                return new EndTxnResponse { ErrorCode = error };
            }
            var commit = request.Committed;
            switch (current.State)
            {
                case TransactionState.CompleteCommit:
                    return new EndTxnResponse { ErrorCode = commit ? ErrorCode.None : ErrorCode.InvalidTxnState };
                case TransactionState.CompleteAbort:
                    return new EndTxnResponse { ErrorCode = commit ? ErrorCode.InvalidTxnState : ErrorCode.None };
                case TransactionState.PrepareCommit or TransactionState.PrepareAbort:
                    if ((current.State == TransactionState.PrepareCommit) != commit)
                    {
                        return new EndTxnResponse { ErrorCode = ErrorCode.InvalidTxnState };
                    }
                    return new EndTxnResponse { ErrorCode = await CompleteAsync(metadata, current).ConfigureAwait(false) ? ErrorCode.None : ErrorCode.ConcurrentTransactions };
                case TransactionState.Ongoing:
                    break;
                default:
                    return new EndTxnResponse { ErrorCode = ErrorCode.InvalidTxnState };
            }
            var prepared = current with { State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, UpdateTimestampMs = NowMs };
            try
            {
                await WriteAsync(metadata, prepared).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                _logger.LogWarning(e, "Transaction {Id}: EndTxn failed before the decision was durable", request.TransactionalId);
                return new EndTxnResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable };
            }
            // The decision is durable: the outcome is fixed even if the completion fails now.
            await CompleteAsync(metadata, prepared).ConfigureAwait(false);
            return new EndTxnResponse();
        }
    }

    private static ErrorCode CheckProducer(TransactionRecord current, long producerId, short epoch)
    {
        if (current.ProducerId != producerId)
        {
            return ErrorCode.InvalidProducerIdMapping;
        }
        return current.ProducerEpoch != epoch ? ErrorCode.InvalidProducerEpoch : ErrorCode.None;
    }

    /// <summary>Takes the id's gate (bounded); the returned releaser frees it.</summary>
    private async ValueTask<(ErrorCode Error, GateReleaser Gate)> EnterAsync(TransactionMetadata metadata)
    {
        if (IsClosed)
        {
            return (ErrorCode.CoordinatorNotAvailable, default);
        }
        try
        {
            if (!await metadata.Gate.WaitAsync(GateTimeout, _stopping.Token).ConfigureAwait(false))
            {
                return (ErrorCode.ConcurrentTransactions, default);
            }
        }
        catch (OperationCanceledException)
        {
            return (ErrorCode.CoordinatorNotAvailable, default);
        }
        return (ErrorCode.None, new GateReleaser(metadata.Gate));
    }
}
