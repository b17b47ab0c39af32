namespace LogBus.Transport.Kafka.Client;

/// <summary>A topic as the cluster describes it.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Number of partitions.</param>
/// <param name="Leaders">Leader node id per partition (-1: none right now).</param>
public sealed record KafkaTopicInfo(string Name, int Partitions, IReadOnlyList<int> Leaders);
