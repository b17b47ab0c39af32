using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Transport.Kafka.Client;

public sealed partial class KafkaConsumer
{
    /// <summary>
    /// Commits positions (the next offset to read) of partitions this member owns, with the current
    /// generation. Throws <see cref="CommitFailedException"/> for a partition it does not own or when the
    /// group moved on (a rebalance completed without this member).
    /// </summary>
    public async ValueTask CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (string.IsNullOrEmpty(_options.GroupId))
        {
            throw new InvalidOperationException("Committing needs a GroupId.");
        }
        if (offsets.Count == 0)
        {
            return;
        }
        lock (_gate)
        {
            foreach (var offset in offsets)
            {
                if (!_states.ContainsKey(offset.TopicPartition))
                {
                    throw new CommitFailedException($"Cannot commit {offset}: the partition is not assigned to this member.");
                }
            }
        }
        var request = new OffsetCommitRequest
        {
            GroupId = _options.GroupId,
            GenerationId = _subscription is null ? -1 : _generation,
            MemberId = _subscription is null ? string.Empty : _memberId,
            Topics = offsets.GroupBy(o => o.Topic, StringComparer.Ordinal).Select(g => new OffsetCommitRequest.Topic
            {
                Name = g.Key,
                Partitions = g.Select(o => new OffsetCommitRequest.Partition { PartitionIndex = o.Partition, CommittedOffset = o.Offset }).ToList(),
            }).ToList(),
        };
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            ErrorCode retryCode;
            try
            {
                var coordinator = await GetCoordinatorAsync(cancellationToken).ConfigureAwait(false);
                var response = await coordinator.SendAsync<OffsetCommitResponse>(request, cancellationToken).ConfigureAwait(false);
                retryCode = ErrorCode.None;
                foreach (var topic in response.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        switch (partition.ErrorCode)
                        {
                            case ErrorCode.None:
                                break;
                            case ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId or ErrorCode.RebalanceInProgress or ErrorCode.FencedInstanceId:
                                if (partition.ErrorCode == ErrorCode.UnknownMemberId)
                                {
                                    _resetMemberId = true;
                                }
                                RequestRejoin($"commit refused: {partition.ErrorCode.KafkaName()}");
                                throw new CommitFailedException($"Commit of {topic.Name}[{partition.PartitionIndex}] refused by group '{_options.GroupId}': {partition.ErrorCode.KafkaName()} (the group rebalanced)");
                            case var code when KafkaErrors.IsCoordinatorError(code) || KafkaErrors.IsRetriable(code):
                                retryCode = code;
                                break;
                            default:
                                throw new KafkaException(partition.ErrorCode, $"Commit of {topic.Name}[{partition.PartitionIndex}] failed");
                        }
                    }
                }
                if (retryCode == ErrorCode.None)
                {
                    return;
                }
            }
            catch (KafkaException ex) when ((ex.IsRetriable || ex is KafkaConnectionException) && attempt < 10)
            {
                retryCode = ex.ErrorCode;
            }
            if (attempt >= 10)
            {
                throw new KafkaException(retryCode, $"Commit to group '{_options.GroupId}' failed after {attempt} attempts");
            }
            if (KafkaErrors.IsCoordinatorError(retryCode))
            {
                InvalidateCoordinator();
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>The group's committed position of a partition, or null when none.</summary>
    public async ValueTask<long?> GetCommittedOffsetAsync(TopicPartition partition, CancellationToken cancellationToken)
    {
        var offsets = await FetchCommittedAsync([partition], cancellationToken).ConfigureAwait(false);
        return offsets.TryGetValue(partition, out var offset) && offset >= 0 ? offset : null;
    }

    private async Task<Dictionary<TopicPartition, long>> FetchCommittedAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.GroupId))
        {
            throw new InvalidOperationException("Committed offsets belong to a group; set a GroupId.");
        }
        var request = new OffsetFetchRequest
        {
            GroupId = _options.GroupId,
            Topics = partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(g => new OffsetFetchRequest.Topic { Name = g.Key, PartitionIndexes = g.Select(p => p.Partition).ToList() }).ToList(),
        };
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            ErrorCode retryCode;
            try
            {
                var coordinator = await GetCoordinatorAsync(cancellationToken).ConfigureAwait(false);
                var response = await coordinator.SendAsync<OffsetFetchResponse>(request, cancellationToken).ConfigureAwait(false);
                retryCode = response.ErrorCode;
                var result = new Dictionary<TopicPartition, long>();
                foreach (var topic in response.Topics)
                {
                    foreach (var p in topic.Partitions)
                    {
                        if (p.ErrorCode != ErrorCode.None)
                        {
                            retryCode = p.ErrorCode;
                        }
                        result[new TopicPartition(topic.Name, p.PartitionIndex)] = p.CommittedOffset;
                    }
                }
                if (retryCode == ErrorCode.None)
                {
                    return result;
                }
                if (!KafkaErrors.IsRetriable(retryCode))
                {
                    throw new KafkaException(retryCode, $"Reading committed offsets of group '{_options.GroupId}' failed");
                }
            }
            catch (KafkaException ex) when ((ex.IsRetriable || ex is KafkaConnectionException) && attempt < 10)
            {
                retryCode = ex.ErrorCode;
            }
            if (attempt >= 10)
            {
                throw new KafkaException(retryCode, $"Reading committed offsets of group '{_options.GroupId}' failed after {attempt} attempts");
            }
            if (KafkaErrors.IsCoordinatorError(retryCode))
            {
                InvalidateCoordinator();
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>
    /// Gives every partition without a position one: the group's committed offset, else (and after an
    /// out-of-range fetch) the earliest or latest offset per the reset policy.
    /// </summary>
    private async Task InitializePositionsAsync(CancellationToken cancellationToken)
    {
        List<TopicPartition>? committed = null;
        List<TopicPartition>? reset = null;
        lock (_gate)
        {
            foreach (var state in _order)
            {
                if (state.NeedsReset)
                {
                    (reset ??= []).Add(state.Partition);
                }
                else if (state.Position < 0)
                {
                    (committed ??= []).Add(state.Partition);
                }
            }
        }
        if (committed is not null)
        {
            var offsets = await FetchCommittedAsync(committed, cancellationToken).ConfigureAwait(false);
            foreach (var partition in committed)
            {
                if (offsets.TryGetValue(partition, out var offset) && offset >= 0)
                {
                    SetPosition(partition, offset, expectUnset: true);
                }
                else
                {
                    (reset ??= []).Add(partition);
                }
            }
        }
        if (reset is not null)
        {
            var timestamp = _options.AutoOffsetReset == AutoOffsetReset.Earliest ? -2L : -1L;
            var offsets = await ListOffsetsAsync(reset, timestamp, cancellationToken).ConfigureAwait(false);
            foreach (var (partition, offset) in offsets)
            {
                SetPosition(partition, offset, expectUnset: false);
                KafkaLog.OffsetReset(_logger, partition.ToString(), offset, _options.AutoOffsetReset.ToString());
            }
        }
        if (committed is not null || reset is not null)
        {
            _fetcherWake.Set();
        }
    }

    private void SetPosition(TopicPartition partition, long offset, bool expectUnset)
    {
        lock (_gate)
        {
            if (!_states.TryGetValue(partition, out var state) || (expectUnset && (state.Position >= 0 || state.NeedsReset)))
            {
                return; // revoked, or the listener seeked meanwhile
            }
            state.ClearBuffer();
            state.Position = offset;
            state.FetchPosition = offset;
            state.NeedsReset = false;
            state.Epoch++;
        }
    }

    /// <summary>
    /// Looks up offsets by timestamp (-2 earliest, -1 latest) from each partition's leader.
    /// </summary>
    internal async Task<Dictionary<TopicPartition, long>> ListOffsetsAsync(IReadOnlyCollection<TopicPartition> partitions, long timestamp, CancellationToken cancellationToken)
    {
        var result = new Dictionary<TopicPartition, long>();
        var missing = partitions.ToList();
        for (var attempt = 1; missing.Count > 0; attempt++)
        {
            var metadata = _cluster.Metadata;
            if (missing.Any(p => metadata.LeaderOf(p.Topic, p.Partition) < 0))
            {
                metadata = await _cluster.RefreshAsync(cancellationToken, missing.Select(p => p.Topic).Distinct()).ConfigureAwait(false);
            }
            var failed = new List<TopicPartition>();
            ErrorCode lastError = ErrorCode.None;
            foreach (var group in missing.GroupBy(p => metadata.LeaderOf(p.Topic, p.Partition)))
            {
                if (group.Key < 0)
                {
                    failed.AddRange(group);
                    lastError = ErrorCode.LeaderNotAvailable;
                    continue;
                }
                try
                {
                    var connection = await _cluster.GetConnectionAsync(group.Key, cancellationToken).ConfigureAwait(false);
                    var request = new ListOffsetsRequest
                    {
                        IsolationLevel = (sbyte)_options.IsolationLevel,
                        Topics = group.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(t => new ListOffsetsRequest.Topic
                        {
                            Name = t.Key,
                            Partitions = t.Select(p => new ListOffsetsRequest.Partition { PartitionIndex = p.Partition, Timestamp = timestamp }).ToList(),
                        }).ToList(),
                    };
                    var response = await connection.SendAsync<ListOffsetsResponse>(request, cancellationToken).ConfigureAwait(false);
                    foreach (var topic in response.Topics)
                    {
                        foreach (var p in topic.Partitions)
                        {
                            var tp = new TopicPartition(topic.Name, p.PartitionIndex);
                            if (p.ErrorCode == ErrorCode.None && p.Offset >= 0)
                            {
                                result[tp] = p.Offset;
                            }
                            else
                            {
                                failed.Add(tp);
                                lastError = p.ErrorCode;
                            }
                        }
                    }
                }
                catch (KafkaException ex) when (ex.IsRetriable || ex is KafkaConnectionException)
                {
                    failed.AddRange(group);
                    lastError = ex.ErrorCode;
                }
            }
            missing = failed.Where(p => !result.ContainsKey(p)).Distinct().ToList();
            if (missing.Count > 0)
            {
                if (attempt >= 5)
                {
                    throw new KafkaException(lastError, $"Listing offsets of {string.Join(", ", missing)} failed");
                }
                await _cluster.RefreshAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        return result;
    }
}
