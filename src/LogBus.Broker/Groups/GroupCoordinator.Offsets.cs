using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Groups;

internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// OffsetCommit: stores the offsets of a member of the current generation, or of a group without
    /// members when the generation is -1 and the member id empty (a "simple" commit: kcat, consumers
    /// with manual assignment). Completes after the commit record is fsynced.
    /// </summary>
    public async ValueTask<OffsetCommitResponse> CommitOffsetsAsync(OffsetCommitRequest request, short version)
    {
        var response = new OffsetCommitResponse();
        var errors = new List<PartitionError>[request.Topics.Count];
        for (var t = 0; t < request.Topics.Count; t++)
        {
            var topic = request.Topics[t];
            errors[t] = new List<PartitionError>(topic.Partitions.Count);
            response.Topics.Add(new TopicPartitionErrors { Name = topic.Name, Partitions = errors[t] });
            foreach (var p in topic.Partitions)
            {
                errors[t].Add(new PartitionError { PartitionIndex = p.PartitionIndex });
            }
        }
        var groupError = ErrorCode.None;
        long end = -1;
        GroupMetadata? group = null;
        if (IsClosed)
        {
            groupError = ErrorCode.CoordinatorNotAvailable;
        }
        else if (string.IsNullOrEmpty(request.GroupId))
        {
            groupError = ErrorCode.InvalidGroupId;
        }
        else
        {
            var generation = version >= 1 ? request.GenerationId : -1;
            var memberId = version >= 1 ? request.MemberId ?? string.Empty : string.Empty;
            if (!_groups.TryGetValue(request.GroupId, out group))
            {
                // Unknown group: a simple commit creates it; anything else comes from a generation we lost.
                group = generation < 0 ? GetOrCreateGroup(request.GroupId) : null;
            }
            if (group is null)
            {
                groupError = ErrorCode.IllegalGeneration;
            }
            else
            {
                lock (group.Lock)
                {
                    groupError = CheckCommit(group, memberId, request.GroupInstanceId, generation);
                    if (groupError == ErrorCode.None)
                    {
                        end = AppendCommit(group, request, version, errors, out groupError);
                    }
                }
            }
        }
        if (groupError == ErrorCode.None && end >= 0)
        {
            try
            {
                await StoreFor(group!).WhenDurableAsync(end).ConfigureAwait(false);
                _ = StoreFor(group!).MaybeStartSnapshot();
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                _logger.LogWarning(e, "Group {Group}: offset commit could not be made durable", request.GroupId);
                groupError = ErrorCode.CoordinatorNotAvailable;
            }
        }
        if (groupError != ErrorCode.None)
        {
            foreach (var list in errors)
            {
                foreach (var e in list)
                {
                    e.ErrorCode = groupError;
                }
            }
        }
        return response;
    }

    private ErrorCode CheckCommit(GroupMetadata group, string memberId, string? instanceId, int generation)
    {
        if (group.State == GroupState.Dead)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        if (IsFenced(group, memberId, instanceId))
        {
            return ErrorCode.FencedInstanceId;
        }
        if (generation < 0 && group.State == GroupState.Empty)
        {
            return ErrorCode.None; // simple commit: the group does not use group management now
        }
        if (group.State == GroupState.CompletingRebalance)
        {
            return ErrorCode.RebalanceInProgress; // its partitions may already be assigned elsewhere
        }
        if (!group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (generation != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }
        member.HeartbeatDeadline = NowMs + member.SessionTimeoutMs; // a commit counts as a heartbeat
        return ErrorCode.None;
    }

    /// <summary>Validates each partition, appends the valid commits as one record set; -1 when none.</summary>
    private long AppendCommit(GroupMetadata group, OffsetCommitRequest request, short version, List<PartitionError>[] errors, out ErrorCode groupError)
    {
        groupError = ErrorCode.None;
        var now = NowMs;
        var records = new List<OffsetsRecord>();
        var accepted = new List<((string, int) Key, CommittedOffset Value)>();
        for (var t = 0; t < request.Topics.Count; t++)
        {
            var topic = request.Topics[t];
            var description = _logs.GetTopic(topic.Name);
            for (var i = 0; i < topic.Partitions.Count; i++)
            {
                var p = topic.Partitions[i];
                if (description is null || p.PartitionIndex < 0 || p.PartitionIndex >= description.Partitions)
                {
                    errors[t][i].ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                var metadata = p.CommittedMetadata ?? string.Empty;
                if (metadata.Length > _options.OffsetMetadataMaxLength)
                {
                    errors[t][i].ErrorCode = ErrorCode.OffsetMetadataTooLarge;
                    continue;
                }
                var commitTimestamp = version == 1 && p.CommitTimestamp >= 0 ? p.CommitTimestamp : now;
                var expire = version is >= 2 and <= 4 && request.RetentionTimeMs >= 0 ? commitTimestamp + request.RetentionTimeMs : -1;
                var value = new CommittedOffset(p.CommittedOffset, p.CommittedLeaderEpoch, metadata, commitTimestamp, expire);
                records.Add(new OffsetsRecord(OffsetsRecordFormat.OffsetKey(group.GroupId, topic.Name, p.PartitionIndex), OffsetsRecordFormat.EncodeOffset(value)));
                accepted.Add(((topic.Name, p.PartitionIndex), value));
            }
        }
        if (records.Count == 0)
        {
            return -1;
        }
        long end;
        try
        {
            end = StoreFor(group).Append(records.ToArray());
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
        {
            _logger.LogWarning(e, "Group {Group}: appending an offset commit failed", group.GroupId);
            groupError = ErrorCode.CoordinatorNotAvailable;
            return -1;
        }
        foreach (var (key, value) in accepted)
        {
            group.Offsets[key] = value; // in log order: appends for this group happen under its lock
        }
        return end;
    }

    /// <summary>
    /// OffsetFetch: the committed offsets of the requested partitions (-1 and empty metadata where none),
    /// or of every partition the group committed when <see cref="OffsetFetchRequest.Topics"/> is null (v2+).
    /// </summary>
    public OffsetFetchResponse FetchOffsets(OffsetFetchRequest request, short version)
    {
        var response = new OffsetFetchResponse();
        var error = IsClosed ? ErrorCode.CoordinatorNotAvailable
            : string.IsNullOrEmpty(request.GroupId) ? ErrorCode.InvalidGroupId
            : ErrorCode.None;
        _groups.TryGetValue(request.GroupId ?? string.Empty, out var group);
        if (error == ErrorCode.None && group is not null)
        {
            lock (group.Lock)
            {
                if (request.Topics is null)
                {
                    foreach (var byTopic in group.Offsets.GroupBy(o => o.Key.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
                    {
                        var topic = new OffsetFetchResponse.Topic { Name = byTopic.Key };
                        foreach (var (key, value) in byTopic.OrderBy(o => o.Key.Partition))
                        {
                            topic.Partitions.Add(ToFetched(key.Partition, value));
                        }
                        response.Topics.Add(topic);
                    }
                }
                else
                {
                    AddRequested(request.Topics, response, group);
                }
            }
        }
        else if (request.Topics is not null)
        {
            AddRequested(request.Topics, response, null);
        }
        if (error != ErrorCode.None)
        {
            if (version >= 2)
            {
                response.ErrorCode = error;
            }
            foreach (var t in response.Topics)
            {
                foreach (var p in t.Partitions)
                {
                    p.ErrorCode = error; // v1 has only partition errors; v2+ repeat the group error there too, as Kafka does
                }
            }
        }
        return response;
    }

    private static void AddRequested(List<OffsetFetchRequest.Topic> topics, OffsetFetchResponse response, GroupMetadata? group)
    {
        foreach (var t in topics)
        {
            var topic = new OffsetFetchResponse.Topic { Name = t.Name };
            foreach (var partition in t.PartitionIndexes)
            {
                topic.Partitions.Add(group is not null && group.Offsets.TryGetValue((t.Name, partition), out var value)
                    ? ToFetched(partition, value)
                    : new OffsetFetchResponse.Partition { PartitionIndex = partition, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = string.Empty });
            }
            response.Topics.Add(topic);
        }
    }

    private static OffsetFetchResponse.Partition ToFetched(int partition, CommittedOffset value) => new()
    {
        PartitionIndex = partition,
        CommittedOffset = value.Offset,
        CommittedLeaderEpoch = value.LeaderEpoch,
        Metadata = value.Metadata,
    };
}
