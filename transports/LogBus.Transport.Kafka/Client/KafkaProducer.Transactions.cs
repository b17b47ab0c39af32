using System.Collections.Concurrent;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// The transactional producer (<see cref="KafkaProducerOptions.TransactionalId"/>): Kafka's
/// transactions (KIP-98) on top of the idempotent producer.
/// </summary>
/// <remarks>
/// <para>Protocol: at start, FindCoordinator (key type 1) and InitProducerId with the transactional id
/// (the broker bumps the epoch: older instances are fenced, an open transaction of theirs is aborted).
/// Before the first record of a transaction goes to a partition, AddPartitionsToTxn (the record waits
/// on the producer's ordered slow path meanwhile). <see cref="SendOffsetsToTransactionAsync"/> sends
/// AddOffsetsToTxn to the transaction coordinator and TxnOffsetCommit to the group coordinator.
/// <see cref="CommitTransactionAsync"/> flushes every batch, then EndTxn(commit);
/// <see cref="AbortTransactionAsync"/> flushes (the abort marker covers what was written), then
/// EndTxn(abort).</para>
/// <para>Errors: a fenced producer (INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING,
/// TRANSACTIONAL_ID_AUTHORIZATION_FAILED) is fatal: every later call throws. Any other failure of a
/// record or offset commit makes the transaction abortable only; after such an abort the producer
/// re-initializes (new epoch, sequences from 0) so later batches never inherit a sequence gap.</para>
/// <para>Threading: transaction calls must not overlap each other (one owner, like the Java client);
/// <see cref="ProduceAsync"/> may be called from several threads while a transaction is open, not
/// while it commits or aborts.</para>
/// </remarks>
public sealed partial class KafkaProducer
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), byte> _txnPartitions = new();
    private readonly SemaphoreSlim _txnAddGate = new(1, 1);
    private volatile TransactionPhase _phase;
    private volatile Exception? _txnError;
    private bool _txnOffsetsAdded;
    private volatile Tuple<int, BrokerEndpoint>? _txnCoordinator; // a reference: read and replaced atomically

    private bool IsTransactional => _options.TransactionalId is not null;

    /// <summary>True while a transaction is open on this transactional producer.</summary>
    public bool InTransaction => _phase == TransactionPhase.InTransaction;

    /// <summary>The producer epoch (-1 before initialisation); bumped by every transactional (re)initialisation.</summary>
    public short ProducerEpoch => Volatile.Read(ref _producerEpoch);

    /// <summary>Opens a transaction: records produced until commit or abort belong to it.</summary>
    /// <exception cref="InvalidOperationException">Not a transactional producer, not initialized (await <see cref="WhenReady"/>), or a transaction is open.</exception>
    /// <exception cref="KafkaTransactionException">The producer was fenced.</exception>
    public void BeginTransaction()
    {
        RequireTransactional();
        ThrowIfFatal();
        if (_phase != TransactionPhase.Ready)
        {
            throw new InvalidOperationException(_phase == TransactionPhase.None
                ? "The transactional producer is not initialized yet: await WhenReady first."
                : $"A transaction is already open ({_phase}).");
        }
        _txnPartitions.Clear();
        _txnOffsetsAdded = false;
        _txnError = null;
        _phase = TransactionPhase.InTransaction;
    }

    /// <summary>
    /// Adds consumed offsets to the open transaction: they become the group's committed offsets when
    /// the transaction commits (and are discarded when it aborts). <paramref name="offsets"/> are the
    /// next offsets to consume.
    /// </summary>
    public async Task SendOffsetsToTransactionAsync(IReadOnlyCollection<(string Topic, int Partition, long Offset)> offsets, string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        RequireOpen();
        if (offsets.Count == 0)
        {
            return;
        }
        try
        {
            if (!_txnOffsetsAdded)
            {
                await SendToCoordinatorAsync<AddOffsetsToTxnResponse>(
                    () => new AddOffsetsToTxnRequest { TransactionalId = _options.TransactionalId!, ProducerId = _producerId, ProducerEpoch = _producerEpoch, GroupId = groupId },
                    r => r.ErrorCode, "AddOffsetsToTxn", keyType: 1, _options.TransactionalId!, cancellationToken).ConfigureAwait(false);
                _txnOffsetsAdded = true;
            }
            var request = new TxnOffsetCommitRequest { TransactionalId = _options.TransactionalId!, GroupId = groupId, ProducerId = _producerId, ProducerEpoch = _producerEpoch };
            foreach (var byTopic in offsets.GroupBy(o => o.Topic))
            {
                request.Topics.Add(new TxnOffsetCommitRequest.Topic
                {
                    Name = byTopic.Key,
                    Partitions = byTopic.Select(o => new TxnOffsetCommitRequest.Partition { PartitionIndex = o.Partition, CommittedOffset = o.Offset }).ToList(),
                });
            }
            await SendToCoordinatorAsync<TxnOffsetCommitResponse>(() => request,
                r => r.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(c => c != ErrorCode.None),
                "TxnOffsetCommit", keyType: 0, groupId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Fail(ex, "Sending offsets to the transaction failed");
        }
    }

    /// <inheritdoc />
    Task ITransactionalProducer.SendOffsetsToTransactionAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, string groupId, CancellationToken cancellationToken) =>
        SendOffsetsToTransactionAsync(offsets.Select(o => (o.Topic, o.Partition, o.Offset)).ToList(), groupId, cancellationToken);

    /// <summary>
    /// Commits the open transaction: waits until every record of it was acknowledged, then EndTxn.
    /// When this returns, read_committed consumers see the records and the offsets are committed.
    /// </summary>
    /// <exception cref="KafkaTransactionException">A record or the commit failed: abort (or, when fatal, dispose).</exception>
    public async Task CommitTransactionAsync(CancellationToken cancellationToken = default)
    {
        RequireOpen();
        _phase = TransactionPhase.Ending;
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_txnError is { } failed)
            {
                throw new KafkaTransactionException(ErrorCode.UnknownServerError, "A record of the transaction could not be delivered; abort the transaction", isFatal: false, failed);
            }
            if (!_txnPartitions.IsEmpty || _txnOffsetsAdded)
            {
                await EndAsync(commit: true, cancellationToken).ConfigureAwait(false);
            }
            _phase = TransactionPhase.Ready;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Fail(ex, "Committing the transaction failed");
        }
        catch (OperationCanceledException)
        {
            _phase = TransactionPhase.AbortableError;
            throw;
        }
    }

    /// <summary>
    /// Aborts the open transaction: waits for records already handed to the producer (the abort marker
    /// covers them), then EndTxn(abort). read_committed consumers never see the transaction's records.
    /// </summary>
    public async Task AbortTransactionAsync(CancellationToken cancellationToken = default)
    {
        RequireTransactional();
        ThrowIfFatal();
        if (_phase is not (TransactionPhase.InTransaction or TransactionPhase.AbortableError or TransactionPhase.Ending))
        {
            throw new InvalidOperationException($"No transaction to abort ({_phase}).");
        }
        _phase = TransactionPhase.Ending;
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!_txnPartitions.IsEmpty || _txnOffsetsAdded)
            {
                await EndAsync(commit: false, cancellationToken).ConfigureAwait(false);
            }
            if (_txnError is not null)
            {
                // A failed batch left a sequence gap on its partition: start over with a new epoch.
                await InitTransactionalAsync(cancellationToken).ConfigureAwait(false);
            }
            _txnError = null;
            _phase = TransactionPhase.Ready;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Fail(ex, "Aborting the transaction failed");
        }
        catch (OperationCanceledException)
        {
            _phase = TransactionPhase.AbortableError;
            throw;
        }
    }

    /// <summary>True when <paramref name="partition"/> of <paramref name="topic"/> was added to the open transaction (fast path check).</summary>
    private bool IsAddedToTransaction(string topic, int partition) => _txnPartitions.ContainsKey((topic, partition));

    /// <summary>AddPartitionsToTxn for a partition's first record in the transaction (slow path, in call order).</summary>
    private async ValueTask EnsurePartitionAddedAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        if (_phase != TransactionPhase.InTransaction)
        {
            ThrowIfFatal();
            throw new InvalidOperationException($"Records of a transactional producer need an open transaction: call BeginTransaction first ({_phase}).");
        }
        if (IsAddedToTransaction(topic, partition))
        {
            return;
        }
        await _txnAddGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsAddedToTransaction(topic, partition))
            {
                return;
            }
            await SendToCoordinatorAsync<AddPartitionsToTxnResponse>(
                () => new AddPartitionsToTxnRequest
                {
                    TransactionalId = _options.TransactionalId!,
                    ProducerId = _producerId,
                    ProducerEpoch = _producerEpoch,
                    Topics = [new AddPartitionsToTxnRequest.Topic { Name = topic, Partitions = [partition] }],
                },
                r => r.Results.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(c => c != ErrorCode.None),
                "AddPartitionsToTxn", keyType: 1, _options.TransactionalId!, cancellationToken).ConfigureAwait(false);
            _txnPartitions[(topic, partition)] = 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Fail(ex, $"Adding {topic}[{partition}] to the transaction failed");
        }
        finally
        {
            _txnAddGate.Release();
        }
    }

    private async Task EndAsync(bool commit, CancellationToken cancellationToken)
    {
        await SendToCoordinatorAsync<EndTxnResponse>(
            () => new EndTxnRequest { TransactionalId = _options.TransactionalId!, ProducerId = _producerId, ProducerEpoch = _producerEpoch, Committed = commit },
            r => r.ErrorCode, commit ? "EndTxn(commit)" : "EndTxn(abort)", keyType: 1, _options.TransactionalId!, cancellationToken).ConfigureAwait(false);
        _txnPartitions.Clear();
        _txnOffsetsAdded = false;
    }

    /// <summary>
    /// FindCoordinator + InitProducerId with the transactional id; retries retriable errors (an old
    /// instance's transaction being aborted answers CONCURRENT_TRANSACTIONS) within the delivery timeout.
    /// Resets every partition's sequence: the new epoch starts at 0. Only with nothing buffered.
    /// </summary>
    private async Task InitTransactionalAsync(CancellationToken cancellationToken)
    {
        var response = await SendToCoordinatorAsync<InitProducerIdResponse>(
            () => new InitProducerIdRequest { TransactionalId = _options.TransactionalId, TransactionTimeoutMs = (int)_options.TransactionTimeout.TotalMilliseconds },
            r => r.ErrorCode, "InitProducerId", keyType: 1, _options.TransactionalId!, cancellationToken).ConfigureAwait(false);
        foreach (var acc in Volatile.Read(ref _accumulators))
        {
            lock (acc.Gate)
            {
                acc.NextSequence = 0;
            }
        }
        Volatile.Write(ref _producerId, response.ProducerId);
        Volatile.Write(ref _producerEpoch, response.ProducerEpoch);
        KafkaLog.ProducerIdAssigned(_logger, response.ProducerId, response.ProducerEpoch);
        _phase = TransactionPhase.Ready;
    }

    /// <summary>Sends a request to the coordinator of <paramref name="key"/>, finding it first and again after coordinator errors; retries retriable errors.</summary>
    private async Task<TResponse> SendToCoordinatorAsync<TResponse>(Func<KafkaRequest> request, Func<TResponse, ErrorCode> errorOf, string what, sbyte keyType, string key, CancellationToken cancellationToken)
        where TResponse : KafkaResponse
    {
        var deadline = DateTime.UtcNow + _options.DeliveryTimeout;
        var delay = _options.RetryBackoff;
        var node = keyType == 1 ? _txnCoordinator : null;
        while (true)
        {
            ErrorCode error;
            Exception? failure = null;
            try
            {
                if (node is null)
                {
                    var any = await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
                    var found = await any.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = key, KeyType = keyType }, cancellationToken).ConfigureAwait(false);
                    if (found.ErrorCode != ErrorCode.None)
                    {
                        throw new KafkaException(found.ErrorCode, $"Finding the coordinator of '{key}' failed");
                    }
                    node = Tuple.Create(found.NodeId, new BrokerEndpoint(found.Host, found.Port));
                    if (keyType == 1)
                    {
                        _txnCoordinator = node;
                    }
                }
                // The coordinator's endpoint comes from FindCoordinator: the metadata may not list it yet.
                var connection = await _cluster.Connections.GetAsync(node.Item1, node.Item2, cancellationToken).ConfigureAwait(false);
                var response = await connection.SendAsync<TResponse>(request(), cancellationToken).ConfigureAwait(false);
                error = errorOf(response);
                if (error == ErrorCode.None)
                {
                    return response;
                }
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex is KafkaConnectionException)
            {
                error = ex.ErrorCode;
                failure = ex;
            }
            if (KafkaErrors.IsCoordinatorError(error) || failure is KafkaConnectionException)
            {
                if (node is { } stale)
                {
                    _cluster.Connections.Invalidate(stale.Item1);
                }
                node = null;
                if (keyType == 1)
                {
                    _txnCoordinator = null;
                }
            }
            if (IsFenced(error))
            {
                throw new KafkaTransactionException(error, $"{what}: the producer was fenced by a newer instance with transactional id '{_options.TransactionalId}'", isFatal: true);
            }
            if ((!KafkaErrors.IsRetriable(error) && failure is null) || DateTime.UtcNow >= deadline)
            {
                throw new KafkaTransactionException(error, $"{what} failed", isFatal: false, failure);
            }
            _logger.LogDebug("{What} answered {Error}; retrying in {Delay}", what, error.KafkaName(), delay);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    private static bool IsFenced(ErrorCode code) => code is ErrorCode.InvalidProducerEpoch or ErrorCode.ProducerFenced
        or ErrorCode.InvalidProducerIdMapping or ErrorCode.TransactionalIdAuthorizationFailed;

    /// <summary>Records a failed batch of a transactional producer: the transaction must abort; fencing is fatal.</summary>
    private void OnTransactionalBatchFailed(Exception error)
    {
        if (!IsTransactional)
        {
            return;
        }
        _txnError ??= error;
        if (error is KafkaException k && IsFenced(k.ErrorCode))
        {
            _phase = TransactionPhase.FatalError;
        }
    }

    private KafkaTransactionException Fail(Exception ex, string what)
    {
        var fatal = ex is KafkaTransactionException { IsFatal: true } || (ex is KafkaException k && IsFenced(k.ErrorCode)) || _phase == TransactionPhase.FatalError;
        _phase = fatal ? TransactionPhase.FatalError : TransactionPhase.AbortableError;
        _txnError ??= ex;
        return ex as KafkaTransactionException ?? new KafkaTransactionException(ex is KafkaException ke ? ke.ErrorCode : ErrorCode.UnknownServerError, what + ": " + ex.Message, fatal, ex);
    }

    private void RequireTransactional()
    {
        if (!IsTransactional)
        {
            throw new InvalidOperationException("Not a transactional producer: set KafkaProducerOptions.TransactionalId.");
        }
    }

    private void RequireOpen()
    {
        RequireTransactional();
        ThrowIfFatal();
        if (_phase == TransactionPhase.AbortableError)
        {
            throw new KafkaTransactionException(ErrorCode.UnknownServerError, "The transaction failed and must be aborted", isFatal: false, _txnError);
        }
        if (_phase != TransactionPhase.InTransaction)
        {
            throw new InvalidOperationException($"No open transaction ({_phase}): call BeginTransaction first.");
        }
    }

    private void ThrowIfFatal()
    {
        if (_phase == TransactionPhase.FatalError)
        {
            throw new KafkaTransactionException(ErrorCode.ProducerFenced, $"The transactional producer '{_options.TransactionalId}' is fenced or failed fatally; dispose it", isFatal: true, _txnError);
        }
    }
}
