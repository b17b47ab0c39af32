namespace LogBus.Transport;

/// <summary>A partition of a topic.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Zero-based partition number.</param>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic}[{Partition}]";
}
