namespace LogBus.Transport;

/// <summary>
/// One member of a consumer group. Not thread-safe: one owner calls it from one logical flow at a time
/// (the LogBus consumer runner), like a Kafka consumer.
/// </summary>
public interface ITransportConsumer : IAsyncDisposable
{
    /// <summary>
    /// Joins the group and subscribes to <paramref name="topics"/>. Assignments arrive at
    /// <paramref name="listener"/> during <see cref="FetchAsync"/>.
    /// </summary>
    ValueTask SubscribeAsync(IReadOnlyCollection<string> topics, IPartitionAssignmentListener listener, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the next records of the assigned, unpaused partitions, in offset order per partition
    /// (at most <see cref="ConsumerSpecification.MaxFetchRecords"/>). Waits up to <paramref name="maxWait"/>
    /// for records and returns an empty list when none arrived. Each record is returned once per
    /// assignment unless the consumer seeks back.
    /// </summary>
    ValueTask<IReadOnlyList<LogRecord>> FetchAsync(TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>
    /// Commits positions (the next offset to read) for partitions this member owns. Throws
    /// <see cref="CommitFailedException"/> for a partition the member no longer owns.
    /// </summary>
    ValueTask CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken);

    /// <summary>The group's committed position of a partition, or null when none.</summary>
    ValueTask<long?> GetCommittedOffsetAsync(TopicPartition partition, CancellationToken cancellationToken);

    /// <summary>Moves the fetch position of an owned partition; records already returned are not recalled.</summary>
    void Seek(TopicPartitionOffset position);

    /// <summary>Stops returning records of a partition until <see cref="Resume"/> (keeps the assignment).</summary>
    void Pause(TopicPartition partition);

    /// <summary>Returns records of a paused partition again.</summary>
    void Resume(TopicPartition partition);

    /// <summary>
    /// Makes a <see cref="FetchAsync"/> that is waiting (or the next one) return promptly, possibly
    /// empty. The only member that may be called from another thread, like Kafka's consumer wakeup.
    /// </summary>
    void Wakeup();
}
