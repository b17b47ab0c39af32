using System.Diagnostics;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using LogBus.Transport.Kafka.Internal;

namespace LogBus.Transport.Kafka.Client;

public sealed partial class KafkaConsumer
{
    private readonly Lock _coordinatorGate = new();
    private IReadOnlyCollection<string>? _subscription;
    private IPartitionAssignmentListener? _listener;
    private byte[] _subscriptionMetadata = [];
    private bool _manual;
    private volatile string _memberId = string.Empty;
    private volatile int _generation = -1;
    private volatile bool _rejoinNeeded = true;
    private volatile bool _resetMemberId;
    private (int NodeId, BrokerEndpoint Endpoint)? _coordinator;
    private CancellationTokenSource? _heartbeatStop;
    private Task? _heartbeat;
    private Dictionary<string, int>? _leaderPartitionCounts;
    private Task<List<TopicPartition>>? _joining;

    /// <summary>The member id the coordinator gave this consumer (empty before the first join).</summary>
    public string MemberId => _memberId;

    /// <summary>The group generation this consumer last joined, or -1.</summary>
    public int Generation => _generation;

    /// <summary>
    /// Subscribes to <paramref name="topics"/> as a member of <see cref="KafkaConsumerOptions.GroupId"/>.
    /// The group is joined during the next <see cref="FetchAsync"/>, which also delivers assignments to
    /// <paramref name="listener"/>.
    /// </summary>
    public ValueTask SubscribeAsync(IReadOnlyCollection<string> topics, IPartitionAssignmentListener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(listener);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (string.IsNullOrEmpty(_options.GroupId))
        {
            throw new InvalidOperationException("Subscribing needs a GroupId; set KafkaConsumerOptions.GroupId or use Assign.");
        }
        if (_subscription is not null || _manual)
        {
            throw new InvalidOperationException("This consumer is already subscribed or assigned.");
        }
        _subscription = topics.ToArray();
        _listener = listener;
        _subscriptionMetadata = ConsumerProtocol.EncodeSubscription(_subscription);
        _cluster.Track(_subscription);
        EnsureFetcher();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Drives membership on the owner's flow; true when the member holds a settled assignment. When a
    /// (re)join is needed the listener first gets the revocation of every owned partition (eager
    /// protocol; heartbeats continue meanwhile, so a slow drain does not cost the membership), then
    /// JoinGroup/SyncGroup run in the background: the coordinator holds JoinGroup until every member
    /// rejoined, and the owner must keep calling (and returning from) fetch meanwhile, so this returns
    /// false until the join completed. The completed join's assignment is applied and announced to the
    /// listener on a later call.
    /// </summary>
    private async Task<bool> EnsureMembershipAsync(CancellationToken cancellationToken)
    {
        if (_joining is { } joining)
        {
            if (!joining.IsCompleted)
            {
                return false;
            }
            _joining = null;
            List<TopicPartition> assignment;
            try
            {
                assignment = await joining.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                _rejoinNeeded = true;
                return false;
            }
            catch (KafkaException)
            {
                _rejoinNeeded = true; // the next fetch starts over
                throw;
            }
            lock (_gate)
            {
                foreach (var partition in assignment)
                {
                    _states[partition] = new PartitionState(partition) { MaxBytes = _options.MaxPartitionFetchBytes };
                }
                _order = [.. _states.Values];
            }
            StartHeartbeat(_generation);
            KafkaLog.Assigned(_logger, _options.ClientId, _options.GroupId!, string.Join(", ", assignment));
            if (assignment.Count > 0)
            {
                await _listener!.OnPartitionsAssignedAsync(assignment, cancellationToken).ConfigureAwait(false);
            }
            _fetcherWake.Set();
            return true;
        }
        if (!_rejoinNeeded)
        {
            return true;
        }
        List<TopicPartition> owned;
        lock (_gate)
        {
            owned = _order.Select(s => s.Partition).ToList();
        }
        if (owned.Count > 0)
        {
            await _listener!.OnPartitionsRevokedAsync(owned, cancellationToken).ConfigureAwait(false);
            RemoveStates(owned);
        }
        await StopHeartbeatAsync().ConfigureAwait(false);
        if (_resetMemberId)
        {
            _memberId = string.Empty;
            _resetMemberId = false;
        }
        _rejoinNeeded = false;
        var join = JoinAndSyncAsync(_stopping.Token);
        _joining = join;
        _ = join.ContinueWith(static (_, state) => ((AsyncSignal)state!).Set(), _signal, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }

    private void RemoveStates(IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                if (_states.Remove(partition, out var state))
                {
                    state.Removed = true;
                    state.ClearBuffer();
                }
            }
            _order = [.. _states.Values];
        }
    }

    private async Task<List<TopicPartition>> JoinAndSyncAsync(CancellationToken cancellationToken)
    {
        var groupId = _options.GroupId!;
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string reason;
            try
            {
                var coordinator = await GetCoordinatorAsync(cancellationToken).ConfigureAwait(false);
                var join = new JoinGroupRequest
                {
                    GroupId = groupId,
                    SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
                    RebalanceTimeoutMs = (int)_options.RebalanceTimeout.TotalMilliseconds,
                    MemberId = _memberId,
                    ProtocolType = ConsumerProtocol.ProtocolType,
                    Protocols = _options.Assignors.Select(name => new JoinGroupRequest.Protocol { Name = name, Metadata = _subscriptionMetadata }).ToList(),
                };
                var joined = await coordinator.SendAsync<JoinGroupResponse>(join, cancellationToken, extraWait: _options.RebalanceTimeout).ConfigureAwait(false);
                switch (joined.ErrorCode)
                {
                    case ErrorCode.None:
                        break;
                    case ErrorCode.MemberIdRequired:
                        _memberId = joined.MemberId;
                        continue; // rejoin at once with the id the coordinator handed out
                    case ErrorCode.UnknownMemberId:
                        _memberId = string.Empty;
                        continue;
                    case ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration:
                        reason = joined.ErrorCode.KafkaName();
                        goto retry;
                    case var code when KafkaErrors.IsCoordinatorError(code) || code == ErrorCode.CoordinatorLoadInProgress:
                        InvalidateCoordinator();
                        reason = code.KafkaName();
                        goto retry;
                    default:
                        throw new KafkaException(joined.ErrorCode, $"Joining group '{groupId}' failed");
                }
                _memberId = joined.MemberId;
                _generation = joined.GenerationId;
                var isLeader = joined.Leader == joined.MemberId;
                KafkaLog.JoinedGroup(_logger, _options.ClientId, groupId, joined.GenerationId, joined.MemberId, isLeader);
                var assignments = isLeader ? await AssignAsync(joined, cancellationToken).ConfigureAwait(false) : [];
                var sync = new SyncGroupRequest { GroupId = groupId, GenerationId = joined.GenerationId, MemberId = joined.MemberId, Assignments = assignments };
                var synced = await coordinator.SendAsync<SyncGroupResponse>(sync, cancellationToken, extraWait: _options.RebalanceTimeout).ConfigureAwait(false);
                switch (synced.ErrorCode)
                {
                    case ErrorCode.None:
                        var subscribed = _subscription!.ToHashSet(StringComparer.Ordinal);
                        return ConsumerProtocol.DecodeAssignment(synced.Assignment).Where(p => subscribed.Contains(p.Topic)).Distinct().ToList();
                    case ErrorCode.UnknownMemberId:
                        _memberId = string.Empty;
                        reason = synced.ErrorCode.KafkaName();
                        goto retry;
                    case ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration:
                        reason = synced.ErrorCode.KafkaName();
                        goto retry;
                    case var code when KafkaErrors.IsCoordinatorError(code):
                        InvalidateCoordinator();
                        reason = code.KafkaName();
                        goto retry;
                    default:
                        throw new KafkaException(synced.ErrorCode, $"Syncing group '{groupId}' failed");
                }
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex is KafkaConnectionException)
            {
                InvalidateCoordinator();
                reason = ex.Message;
            }
        retry:
            KafkaLog.GroupOperationFailed(_logger, _options.ClientId, groupId, "join", reason);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    private async Task<List<SyncGroupRequest.Assignment>> AssignAsync(JoinGroupResponse joined, CancellationToken cancellationToken)
    {
        var subscriptions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var member in joined.Members)
        {
            subscriptions[member.MemberId] = ConsumerProtocol.DecodeSubscription(member.Metadata);
        }
        var topics = subscriptions.Values.SelectMany(t => t).Distinct(StringComparer.Ordinal).ToList();
        var metadata = await _cluster.RefreshAsync(cancellationToken, topics).ConfigureAwait(false);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            if (metadata.GetTopic(topic) is { } t)
            {
                counts[topic] = t.Partitions.Length;
            }
        }
        _leaderPartitionCounts = counts;
        IPartitionAssignor assignor = joined.ProtocolName switch
        {
            "range" => new RangeAssignor(),
            "roundrobin" => new RoundRobinAssignor(),
            _ => throw new KafkaException(ErrorCode.InconsistentGroupProtocol, $"The group chose assignor '{joined.ProtocolName}', which this client does not implement"),
        };
        var result = assignor.Assign(subscriptions, counts);
        return result.Select(kv => new SyncGroupRequest.Assignment { MemberId = kv.Key, Data = ConsumerProtocol.EncodeAssignment(kv.Value) }).ToList();
    }

    private void RequestRejoin(string reason)
    {
        if (!_rejoinNeeded)
        {
            KafkaLog.Rejoin(_logger, _options.ClientId, _options.GroupId ?? "-", reason);
        }
        _rejoinNeeded = true;
        _signal.Set();
    }

    private void StartHeartbeat(int generation)
    {
        var stop = new CancellationTokenSource();
        _heartbeatStop = stop;
        _heartbeat = Task.Run(() => HeartbeatLoopAsync(generation, stop.Token));
    }

    private async Task StopHeartbeatAsync()
    {
        if (_heartbeatStop is { } stop)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _heartbeat!.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            stop.Dispose();
            _heartbeatStop = null;
            _heartbeat = null;
        }
    }

    /// <summary>
    /// Heartbeats for one generation until stopped. A rebalance, a lost membership or an expired
    /// session only flags a rejoin: the owner's next fetch does the work (revoke, join, assign).
    /// </summary>
    private async Task HeartbeatLoopAsync(int generation, CancellationToken stop)
    {
        var lastSuccess = Stopwatch.GetTimestamp();
        for (var beat = 1; !stop.IsCancellationRequested; beat++)
        {
            await Task.Delay(_options.HeartbeatInterval, stop).ConfigureAwait(false);
            try
            {
                var coordinator = await GetCoordinatorAsync(stop).ConfigureAwait(false);
                var response = await coordinator.SendAsync<HeartbeatResponse>(new HeartbeatRequest { GroupId = _options.GroupId!, GenerationId = generation, MemberId = _memberId }, stop).ConfigureAwait(false);
                switch (response.ErrorCode)
                {
                    case ErrorCode.None:
                        lastSuccess = Stopwatch.GetTimestamp();
                        break;
                    case ErrorCode.RebalanceInProgress:
                        lastSuccess = Stopwatch.GetTimestamp();
                        RequestRejoin("the group is rebalancing");
                        break;
                    case ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId:
                        _resetMemberId = true;
                        RequestRejoin($"the coordinator does not know this member ({response.ErrorCode.KafkaName()})");
                        return;
                    case ErrorCode.IllegalGeneration:
                        RequestRejoin("the generation is stale");
                        return;
                    case var code when KafkaErrors.IsCoordinatorError(code):
                        InvalidateCoordinator();
                        break;
                    default:
                        KafkaLog.GroupOperationFailed(_logger, _options.ClientId, _options.GroupId!, "heartbeat", response.ErrorCode.KafkaName());
                        break;
                }
                if (beat % 5 == 0 && _leaderPartitionCounts is { } counts && !_rejoinNeeded)
                {
                    // The leader watches the subscribed topics: a new topic or more partitions need a new assignment.
                    var metadata = await _cluster.RefreshAsync(stop).ConfigureAwait(false);
                    foreach (var topic in _subscription!)
                    {
                        var now = metadata.GetTopic(topic)?.Partitions.Length;
                        if (now is not null && (!counts.TryGetValue(topic, out var before) || before != now))
                        {
                            RequestRejoin($"topic {topic} now has {now} partition(s)");
                            break;
                        }
                    }
                }
            }
            catch (KafkaException ex)
            {
                InvalidateCoordinator();
                KafkaLog.GroupOperationFailed(_logger, _options.ClientId, _options.GroupId!, "heartbeat", ex.Message);
            }
            if (Stopwatch.GetElapsedTime(lastSuccess) > _options.SessionTimeout)
            {
                // The coordinator has dropped us by now; owned partitions may already be elsewhere.
                _resetMemberId = true;
                RequestRejoin("no successful heartbeat within the session timeout");
                return;
            }
        }
    }

    private async Task<KafkaConnection> GetCoordinatorAsync(CancellationToken cancellationToken)
    {
        (int NodeId, BrokerEndpoint Endpoint)? known;
        lock (_coordinatorGate)
        {
            known = _coordinator;
        }
        if (known is { } c)
        {
            return await _groupPool.GetAsync(c.NodeId, c.Endpoint, cancellationToken).ConfigureAwait(false);
        }
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            var connection = await _cluster.GetAnyConnectionAsync(cancellationToken).ConfigureAwait(false);
            var response = await connection.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = _options.GroupId!, KeyType = 0 }, cancellationToken).ConfigureAwait(false);
            if (response.ErrorCode == ErrorCode.None)
            {
                var found = (response.NodeId, new BrokerEndpoint(response.Host, response.Port));
                lock (_coordinatorGate)
                {
                    _coordinator = found;
                }
                return await _groupPool.GetAsync(found.NodeId, found.Item2, cancellationToken).ConfigureAwait(false);
            }
            if (!KafkaErrors.IsRetriable(response.ErrorCode) || attempt >= 20)
            {
                throw new KafkaException(response.ErrorCode, $"Finding the coordinator of group '{_options.GroupId}' failed");
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    private void InvalidateCoordinator()
    {
        lock (_coordinatorGate)
        {
            if (_coordinator is { } c)
            {
                _groupPool.Invalidate(c.NodeId);
            }
            _coordinator = null;
        }
    }

    private async Task LeaveGroupAsync()
    {
        if (_subscription is null || _memberId.Length == 0 || _generation < 0)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var coordinator = await GetCoordinatorAsync(timeout.Token).ConfigureAwait(false);
            var request = new LeaveGroupRequest { GroupId = _options.GroupId!, MemberId = _memberId, Members = [new LeaveGroupRequest.Member { MemberId = _memberId }] };
            await coordinator.SendAsync<LeaveGroupResponse>(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            // The coordinator removes the member after the session timeout anyway.
            KafkaLog.GroupOperationFailed(_logger, _options.ClientId, _options.GroupId!, "leave", ex.Message);
        }
        _generation = -1;
    }
}
