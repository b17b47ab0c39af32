namespace LogBus;

/// <summary>A message arrived for a saga instance that does not exist (dead-lettered when configured).</summary>
public sealed class SagaInstanceNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SagaInstanceNotFoundException() { }

    /// <summary>Creates the exception with a message.</summary>
    public SagaInstanceNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SagaInstanceNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}
