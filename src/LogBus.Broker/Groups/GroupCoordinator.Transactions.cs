using LogBus.Broker.Storage;
using LogBus.Broker.Transactions;
using LogBus.Protocol;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Groups;

internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Makes a committed transaction's pending offsets (TxnOffsetCommit) the group's committed offsets:
    /// appends them to <c>__consumer_offsets</c> and completes after the fsync. Called by the
    /// transaction coordinator between the commit markers and the CompleteCommit state, and again for a
    /// PrepareCommit found after a restart (rewriting the same offsets is harmless). No member or
    /// generation checks: the transaction's producer epoch fenced zombies already (TxnOffsetCommit v0-2
    /// carry no group generation). Until then the offsets are invisible to OffsetFetch.
    /// </summary>
    public async ValueTask<ErrorCode> CommitTransactionalOffsetsAsync(string groupId, IReadOnlyList<PendingOffset> offsets)
    {
        if (IsClosed)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        if (offsets.Count == 0)
        {
            return ErrorCode.None;
        }
        var now = NowMs;
        var records = new OffsetsRecord[offsets.Count];
        for (var i = 0; i < offsets.Count; i++)
        {
            var o = offsets[i];
            records[i] = new OffsetsRecord(OffsetsRecordFormat.OffsetKey(groupId, o.Topic, o.Partition), OffsetsRecordFormat.EncodeOffset(new CommittedOffset(o.Offset, o.LeaderEpoch, o.Metadata, now, -1)));
        }
        GroupMetadata group;
        long end;
        while (true)
        {
            group = GetOrCreateGroup(groupId);
            lock (group.Lock)
            {
                if (group.State == GroupState.Dead)
                {
                    continue; // deleted concurrently: a new incarnation takes the offsets
                }
                try
                {
                    end = StoreFor(group).Append(records);
                }
                catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException)
                {
                    _logger.LogWarning(e, "Group {Group}: appending transactional offsets failed", groupId);
                    return ErrorCode.CoordinatorNotAvailable;
                }
                foreach (var o in offsets)
                {
                    group.Offsets[(o.Topic, o.Partition)] = new CommittedOffset(o.Offset, o.LeaderEpoch, o.Metadata, now, -1);
                }
                break;
            }
        }
        try
        {
            await StoreFor(group).WhenDurableAsync(end).ConfigureAwait(false);
            _ = StoreFor(group).MaybeStartSnapshot();
            return ErrorCode.None;
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            _logger.LogWarning(e, "Group {Group}: transactional offsets could not be made durable", groupId);
            return ErrorCode.CoordinatorNotAvailable;
        }
    }

    /// <summary>Checks a TxnOffsetCommit partition: NONE, UNKNOWN_TOPIC_OR_PARTITION or OFFSET_METADATA_TOO_LARGE.</summary>
    public ErrorCode ValidateTransactionalOffset(string topic, int partition, string? metadata)
    {
        var description = _logs.GetTopic(topic);
        if (description is null || partition < 0 || partition >= description.Partitions)
        {
            return ErrorCode.UnknownTopicOrPartition;
        }
        return (metadata?.Length ?? 0) > _options.OffsetMetadataMaxLength ? ErrorCode.OffsetMetadataTooLarge : ErrorCode.None;
    }
}
