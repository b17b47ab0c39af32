namespace LogBus.Transport;

/// <summary>
/// Receives partition assignment changes of a group member. Transports call it only from within
/// <see cref="ITransportConsumer.FetchAsync"/>, on the caller's flow, so the consumer's owner sees
/// revocations in order with the records it fetched.
/// </summary>
public interface IPartitionAssignmentListener
{
    /// <summary>
    /// Partitions newly assigned to this member. Fetching starts at the group's committed offset (or per
    /// <see cref="LogBus.AutoOffsetReset"/>) unless the listener seeks.
    /// </summary>
    ValueTask OnPartitionsAssignedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken);

    /// <summary>
    /// Partitions taken from this member. Before returning, the listener finishes or abandons work for
    /// them and commits what completed; the member still owns them until this returns, and no other
    /// member receives their records before that.
    /// </summary>
    ValueTask OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken);
}
