namespace LogBus;

/// <summary>Names of the record headers LogBus writes (the envelope) and the failure headers of dead letters.</summary>
public static class HeaderNames
{
    /// <summary>Unique id of the message (UUIDv7, text).</summary>
    public const string MessageId = "message-id";
    /// <summary>Stable name of the message type (not a CLR assembly-qualified name).</summary>
    public const string MessageType = "message-type";
    /// <summary>Correlation id (text), e.g. the saga instance.</summary>
    public const string CorrelationId = "correlation-id";
    /// <summary>Id of the message whose handler published this one.</summary>
    public const string CausationId = "causation-id";
    /// <summary>Id shared by every message of one conversation (the first message's id).</summary>
    public const string ConversationId = "conversation-id";
    /// <summary>When the message was published (ISO 8601 round-trip format, UTC).</summary>
    public const string SentAt = "sent-at";
    /// <summary>Media type of the value, e.g. <c>application/json</c>.</summary>
    public const string ContentType = "content-type";
    /// <summary>W3C trace context of the publishing activity.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>Dead letters: why the message failed (<c>handler-failed</c>, <c>deserialization-failed</c>, <c>unknown-message-type</c>).</summary>
    public const string FailureReason = "failure-reason";
    /// <summary>Dead letters: CLR type of the last exception.</summary>
    public const string FailureExceptionType = "failure-exception-type";
    /// <summary>Dead letters: message of the last exception.</summary>
    public const string FailureExceptionMessage = "failure-exception-message";
    /// <summary>Dead letters: number of handler attempts made.</summary>
    public const string FailureAttempts = "failure-attempts";
    /// <summary>Dead letters: topic the message was consumed from.</summary>
    public const string FailureSourceTopic = "failure-source-topic";
    /// <summary>Dead letters: partition the message was consumed from.</summary>
    public const string FailureSourcePartition = "failure-source-partition";
    /// <summary>Dead letters: offset of the message in its source partition.</summary>
    public const string FailureSourceOffset = "failure-source-offset";
    /// <summary>Dead letters: the consumer group that gave up on the message.</summary>
    public const string FailureConsumerGroup = "failure-consumer-group";
    /// <summary>Dead letters: when the message was dead-lettered (ISO 8601, UTC).</summary>
    public const string FailureAt = "failure-at";
}
