namespace LogBus.Internal;

/// <summary>A message a saga declared: whether it starts instances and how it correlates.</summary>
internal sealed record SagaMessageDefinition(Type MessageType, bool Starts, Func<object, object?> Correlate, Delegate TypedCorrelate);
