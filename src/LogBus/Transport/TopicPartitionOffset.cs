namespace LogBus.Transport;

/// <summary>
/// A position in a partition. For commits, <paramref name="Offset"/> is the next offset to read (one past
/// the last completed record), as in Kafka.
/// </summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Zero-based partition number.</param>
/// <param name="Offset">The offset.</param>
public readonly record struct TopicPartitionOffset(string Topic, int Partition, long Offset)
{
    /// <summary>The partition this position is in.</summary>
    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <inheritdoc />
    public override string ToString() => $"{Topic}[{Partition}]@{Offset}";
}
