namespace LogBus;

/// <summary>A message the test harness saw.</summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="Message">The message (for faulted records that could not be deserialized: default).</param>
/// <param name="MessageId">Its message id.</param>
/// <param name="Topic">Its topic.</param>
/// <param name="GroupId">The consumer group that consumed or faulted it; null for publishes.</param>
/// <param name="Context">The consume context (null for publishes).</param>
/// <param name="Exception">The last exception, for faulted messages.</param>
public sealed record ObservedMessage<T>(T Message, Guid MessageId, string Topic, string? GroupId, ConsumeContext? Context, Exception? Exception);
