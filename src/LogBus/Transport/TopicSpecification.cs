namespace LogBus.Transport;

/// <summary>What <see cref="ITransport.EnsureTopicAsync"/> creates when a topic does not exist.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Number of partitions (at least 1).</param>
public sealed record TopicSpecification(string Name, int Partitions);
