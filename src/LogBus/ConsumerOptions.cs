namespace LogBus;

/// <summary>Options of one consumer registration (one consumer group).</summary>
public sealed class ConsumerOptions
{
    /// <summary>The consumer group id.</summary>
    /// <remarks>Defaults to <c>{service-name}.{consumer-name}</c>, the consumer name being the kebab-case
    /// consumer type name; several consumers of one topic therefore each see every message.</remarks>
    public string? GroupId { get; set; }

    /// <summary>
    /// Messages handled at once per partition. 1 handles each partition strictly in offset order. Above 1,
    /// messages with different keys run concurrently while messages with the same key stay in order
    /// (messages without key may run concurrently with anything).
    /// </summary>
    /// <remarks>Defaults to 1.</remarks>
    public int Concurrency { get; set; } = 1;

    /// <summary>Retries of a failing handler before the message is dead-lettered.</summary>
    /// <remarks>Defaults to <see cref="RetryPolicy.Default"/>: 3 retries, exponential backoff from 100 ms.</remarks>
    public RetryPolicy Retry { get; set; } = RetryPolicy.Default;

    /// <summary>Whether messages that still fail after the retries (or cannot be read) go to a dead-letter
    /// topic. When false they are logged, counted and skipped.</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool DeadLetter { get; set; } = true;

    /// <summary>Names the dead-letter topic for a source topic.</summary>
    /// <remarks>Defaults to <c>{topic}.dead-letter</c>.</remarks>
    public Func<string, string> DeadLetterTopic { get; set; } = static topic => topic + ".dead-letter";

    /// <summary>Where the group starts on a partition without a committed offset.</summary>
    /// <remarks>Defaults to <see cref="AutoOffsetReset.Earliest"/>.</remarks>
    public AutoOffsetReset StartFrom { get; set; } = AutoOffsetReset.Earliest;

    /// <summary>How often completed offsets are committed while running (they are also committed when
    /// partitions are revoked and at shutdown).</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Records buffered per partition ahead of the handlers; a full buffer pauses fetching that
    /// partition (backpressure), so memory stays bounded.</summary>
    /// <remarks>Defaults to 1024.</remarks>
    public int PrefetchPerPartition { get; set; } = 1024;

    /// <summary>
    /// At-least-once (commit after handling) or exactly-once (broker transactions: the handler's publishes
    /// and the consumed offsets commit together per batch; see <see cref="LogBus.ConsumeMode.ExactlyOnce"/>).
    /// </summary>
    /// <remarks>Defaults to <see cref="ConsumeMode.AtLeastOnce"/>.</remarks>
    public ConsumeMode Mode { get; set; } = ConsumeMode.AtLeastOnce;

    /// <summary>Filter types (resolved from each attempt's scope) around this consumer's handler, outermost first.</summary>
    internal List<Type> Filters { get; } = [];

    internal void Validate(string consumerName)
    {
        if (Concurrency < 1)
        {
            throw new InvalidOperationException($"Consumer '{consumerName}': Concurrency must be at least 1 (was {Concurrency}).");
        }
        if (PrefetchPerPartition < 1)
        {
            throw new InvalidOperationException($"Consumer '{consumerName}': PrefetchPerPartition must be at least 1 (was {PrefetchPerPartition}).");
        }
        if (CommitInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Consumer '{consumerName}': CommitInterval must be positive.");
        }
        if (GroupId is { Length: 0 })
        {
            throw new InvalidOperationException($"Consumer '{consumerName}': GroupId cannot be empty.");
        }
        ArgumentNullException.ThrowIfNull(Retry);
        ArgumentNullException.ThrowIfNull(DeadLetterTopic);
    }

}
