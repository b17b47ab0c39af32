namespace LogBus;

/// <summary>What to do with a message for a saga instance that does not exist.</summary>
public enum UnknownSagaInstance
{
    /// <summary>Skip it (log at debug level).</summary>
    Ignore,

    /// <summary>Dead-letter it with reason <c>saga-instance-not-found</c>.</summary>
    DeadLetter,
}
