namespace LogBus.Broker.Groups;

/// <summary>One partition of a group's description.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="CommittedOffset">The committed offset, or -1.</param>
/// <param name="Metadata">The commit's metadata string, or empty.</param>
/// <param name="LogEndOffset">The partition's high watermark (what consumers can read up to), or -1 when the partition does not exist.</param>
/// <param name="Lag">LogEndOffset - CommittedOffset (at least 0), or -1 when either is unknown.</param>
/// <param name="OwnerMemberId">The member it is assigned to, or null.</param>
internal sealed record GroupPartitionLag(
    string Topic,
    int Partition,
    long CommittedOffset,
    string Metadata,
    long LogEndOffset,
    long Lag,
    string? OwnerMemberId);
