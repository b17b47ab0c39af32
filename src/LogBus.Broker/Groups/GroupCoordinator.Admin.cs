using LogBus.Broker.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Groups;

internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// DescribeGroups: state, protocol and members. Members carry their metadata and assignment only
    /// when the group is Stable (as Kafka); an unknown group is reported as Dead without an error.
    /// </summary>
    public DescribeGroupsResponse DescribeGroups(DescribeGroupsRequest request)
    {
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            var described = new DescribeGroupsResponse.Group { GroupId = groupId, GroupState = nameof(GroupState.Dead) };
            response.Groups.Add(described);
            if (IsClosed)
            {
                described.ErrorCode = ErrorCode.CoordinatorNotAvailable;
                continue;
            }
            if (string.IsNullOrEmpty(groupId))
            {
                described.ErrorCode = ErrorCode.InvalidGroupId;
                continue;
            }
            if (!_groups.TryGetValue(groupId, out var group))
            {
                continue;
            }
            lock (group.Lock)
            {
                described.GroupState = group.State.ToString();
                described.ProtocolType = group.ProtocolType ?? string.Empty;
                var stable = group.State == GroupState.Stable;
                described.ProtocolData = stable ? group.ProtocolName ?? string.Empty : string.Empty;
                foreach (var m in group.Members.Values)
                {
                    described.Members.Add(new DescribeGroupsResponse.Member
                    {
                        MemberId = m.MemberId,
                        GroupInstanceId = m.GroupInstanceId,
                        ClientId = m.ClientId,
                        ClientHost = m.ClientHost,
                        MemberMetadata = stable ? m.MetadataFor(group.ProtocolName) : ReadOnlyMemory<byte>.Empty,
                        MemberAssignment = stable ? m.Assignment : ReadOnlyMemory<byte>.Empty,
                    });
                }
            }
        }
        return response;
    }

    /// <summary>ListGroups: every group the coordinator holds, with its protocol type (empty for simple groups).</summary>
    public ListGroupsResponse ListGroups()
    {
        var response = new ListGroupsResponse();
        if (IsClosed)
        {
            response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
            return response;
        }
        foreach (var group in _groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            lock (group.Lock)
            {
                if (group.State != GroupState.Dead)
                {
                    response.Groups.Add(new ListGroupsResponse.Group { GroupId = group.GroupId, ProtocolType = group.ProtocolType ?? string.Empty });
                }
            }
        }
        return response;
    }

    /// <summary>
    /// DeleteGroups: removes empty groups with their offsets (tombstones, fsynced before the answer);
    /// groups with members get NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND.
    /// </summary>
    public async Task<DeleteGroupsResponse> DeleteGroupsAsync(DeleteGroupsRequest request)
    {
        var response = new DeleteGroupsResponse();
        var durable = new List<(DeleteGroupsResponse.Result Result, OffsetsPartitionStore Store, long End)>();
        foreach (var groupId in request.GroupsNames)
        {
            var result = new DeleteGroupsResponse.Result { GroupId = groupId };
            response.Results.Add(result);
            if (IsClosed)
            {
                result.ErrorCode = ErrorCode.CoordinatorNotAvailable;
                continue;
            }
            if (string.IsNullOrEmpty(groupId))
            {
                result.ErrorCode = ErrorCode.InvalidGroupId;
                continue;
            }
            if (!_groups.TryGetValue(groupId, out var group))
            {
                result.ErrorCode = ErrorCode.GroupIdNotFound;
                continue;
            }
            lock (group.Lock)
            {
                switch (group.State)
                {
                    case GroupState.Dead:
                        result.ErrorCode = ErrorCode.GroupIdNotFound;
                        continue;
                    case GroupState.Empty:
                        break;
                    default:
                        result.ErrorCode = ErrorCode.NonEmptyGroup;
                        continue;
                }
                try
                {
                    var end = AppendTombstones(group, group.Offsets.Keys.ToList(), includeGroup: true);
                    group.Offsets.Clear();
                    RemoveGroupLocked(group);
                    durable.Add((result, StoreFor(group), end));
                }
                catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
                {
                    _logger.LogWarning(e, "Group {Group}: deleting failed", groupId);
                    result.ErrorCode = ErrorCode.CoordinatorNotAvailable;
                }
            }
        }
        foreach (var (result, store, end) in durable)
        {
            try
            {
                await store.WhenDurableAsync(end).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
            {
                _logger.LogWarning(e, "Group {Group}: deletion could not be made durable", result.GroupId);
                result.ErrorCode = ErrorCode.CoordinatorNotAvailable;
            }
        }
        return response;
    }

    private long AppendTombstones(GroupMetadata group, List<(string Topic, int Partition)> offsets, bool includeGroup)
    {
        var records = new List<OffsetsRecord>(offsets.Count + 1);
        foreach (var (topic, partition) in offsets)
        {
            records.Add(new OffsetsRecord(OffsetsRecordFormat.OffsetKey(group.GroupId, topic, partition), null));
        }
        if (includeGroup)
        {
            records.Add(new OffsetsRecord(OffsetsRecordFormat.GroupKey(group.GroupId), null));
        }
        return StoreFor(group).Append(records.ToArray());
    }

    /// <summary>
    /// Removes expired offsets (Kafka's rules): in an Empty group with a protocol type, offsets older
    /// than the retention counted from when the group became empty; in a group that never used group
    /// management, offsets older than the retention counted from their commit; in a Stable consumer
    /// group, offsets of topics no member subscribes to, counted from their commit; an explicit expiry
    /// time (OffsetCommit v2-v4) wins. Empty groups left without offsets are removed. Runs on the expiry
    /// timer; tests call it directly. Returns the number of offsets removed.
    /// </summary>
    public int ExpireOffsets()
    {
        if (IsClosed)
        {
            return 0;
        }
        var now = NowMs;
        var retention = (long)_options.OffsetsRetention.TotalMilliseconds;
        var removed = 0;
        var touched = new HashSet<OffsetsPartitionStore>();
        foreach (var group in _groups.Values)
        {
            lock (group.Lock)
            {
                if (group.State == GroupState.Dead)
                {
                    continue;
                }
                HashSet<string>? subscribed = null;
                Func<CommittedOffset, long>? baseTime = null;
                if (group.ProtocolType is null)
                {
                    baseTime = o => o.CommitTimestamp;
                }
                else if (group.State == GroupState.Empty)
                {
                    var emptySince = group.StateTimestamp;
                    baseTime = _ => emptySince;
                }
                else if (group.ProtocolType == ConsumerProtocol.ProtocolType && group.State == GroupState.Stable && TrySubscribedTopics(group, out subscribed))
                {
                    baseTime = o => o.CommitTimestamp;
                }
                if (baseTime is null)
                {
                    continue;
                }
                var expired = new List<(string Topic, int Partition)>();
                foreach (var (key, value) in group.Offsets)
                {
                    if (subscribed is not null && subscribed.Contains(key.Topic))
                    {
                        continue;
                    }
                    var isExpired = value.ExpireTimestamp >= 0 ? now >= value.ExpireTimestamp : now - baseTime(value) >= retention;
                    if (isExpired)
                    {
                        expired.Add(key);
                    }
                }
                var dies = group.State == GroupState.Empty && group.Offsets.Count == expired.Count && group.PendingMembers.Count == 0;
                if (expired.Count == 0 && !dies)
                {
                    continue;
                }
                try
                {
                    AppendTombstones(group, expired, includeGroup: dies);
                    touched.Add(StoreFor(group));
                }
                catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
                {
                    _logger.LogWarning(e, "Group {Group}: expiring offsets failed", group.GroupId);
                    continue;
                }
                foreach (var key in expired)
                {
                    group.Offsets.Remove(key);
                }
                removed += expired.Count;
                if (dies)
                {
                    _logger.LogInformation("Group {Group}: removed (empty, no offsets left)", group.GroupId);
                    RemoveGroupLocked(group);
                }
            }
        }
        foreach (var store in touched)
        {
            _ = store.MaybeStartSnapshot();
        }
        if (removed > 0)
        {
            _logger.LogInformation("Expired {Count} committed offsets", removed);
        }
        return removed;
    }

    private static bool TrySubscribedTopics(GroupMetadata group, out HashSet<string>? topics)
    {
        topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in group.Members.Values)
        {
            if (!ConsumerProtocol.TryReadSubscriptionTopics(m.MetadataFor(group.ProtocolName), out var subscribed))
            {
                topics = null;
                return false;
            }
            topics.UnionWith(subscribed);
        }
        return true;
    }

    /// <summary>
    /// The query API behind "members, assignment, committed offset, log end, lag per partition": null
    /// when the group is unknown. Assignments are decoded when the protocol type is <c>consumer</c>.
    /// </summary>
    public GroupDescription? DescribeGroupWithLag(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return null;
        }
        var members = new List<GroupMemberDescription>();
        var partitions = new SortedDictionary<(string Topic, int Partition), (CommittedOffset? Committed, string? Owner)>(
            Comparer<(string Topic, int Partition)>.Create((a, b) =>
            {
                var c = string.CompareOrdinal(a.Topic, b.Topic);
                return c != 0 ? c : a.Partition.CompareTo(b.Partition);
            }));
        string state, protocolType, protocol, leader;
        int generation;
        lock (group.Lock)
        {
            if (group.State == GroupState.Dead)
            {
                return null;
            }
            state = group.State.ToString();
            protocolType = group.ProtocolType ?? string.Empty;
            protocol = group.ProtocolName ?? string.Empty;
            leader = group.LeaderId ?? string.Empty;
            generation = group.GenerationId;
            foreach (var m in group.Members.Values)
            {
                List<(string Topic, int Partition)> assigned = [];
                if (group.ProtocolType == ConsumerProtocol.ProtocolType && ConsumerProtocol.TryReadAssignment(m.Assignment, out var decoded))
                {
                    assigned = decoded;
                }
                members.Add(new GroupMemberDescription(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, assigned));
                foreach (var tp in assigned)
                {
                    partitions[tp] = (null, m.MemberId);
                }
            }
            foreach (var (key, value) in group.Offsets)
            {
                partitions[key] = (value, partitions.TryGetValue(key, out var existing) ? existing.Owner : null);
            }
        }
        var lags = new List<GroupPartitionLag>(partitions.Count);
        foreach (var ((topic, partition), (committed, owner)) in partitions)
        {
            var log = _logs.GetLog(topic, partition);
            var end = log?.HighWatermark ?? -1;
            var offset = committed?.Offset ?? -1;
            var lag = end >= 0 && offset >= 0 ? Math.Max(0, end - offset) : -1;
            lags.Add(new GroupPartitionLag(topic, partition, offset, committed?.Metadata ?? string.Empty, end, lag, owner));
        }
        return new GroupDescription(groupId, state, protocolType, protocol, generation, leader, members, lags);
    }
}
