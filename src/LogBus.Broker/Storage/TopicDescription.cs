namespace LogBus.Broker.Storage;

/// <summary>A topic as stored by the <see cref="LogManager"/> (persisted as <c>.topics/&lt;name&gt;.json</c>).</summary>
/// <param name="Name">Topic name.</param>
/// <param name="TopicId">Random id assigned at creation (Kafka topic id).</param>
/// <param name="Partitions">Number of partitions, numbered 0..n-1.</param>
/// <param name="Config">Log settings of every partition.</param>
internal sealed record TopicDescription(string Name, Guid TopicId, int Partitions, LogConfig Config);
