namespace LogBus.Transport.Kafka.Client;

/// <summary>A group's committed position in a partition and how far behind the end it is.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="CommittedOffset">The committed position (next offset to read).</param>
/// <param name="EndOffset">The partition's end offset (high watermark), or -1 when unknown.</param>
/// <param name="Lag">Records between the committed position and the end, or -1 when unknown.</param>
public sealed record KafkaPartitionLag(TopicPartition Partition, long CommittedOffset, long EndOffset, long Lag);
