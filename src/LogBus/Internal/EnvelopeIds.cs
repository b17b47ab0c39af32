namespace LogBus.Internal;

/// <summary>The ids an outgoing envelope carries.</summary>
internal readonly record struct EnvelopeIds(Guid MessageId, Guid? CorrelationId, Guid? CausationId, Guid ConversationId);
