namespace LogBus;

/// <summary>A saga instance was changed by someone else between load and save.</summary>
public sealed class SagaConcurrencyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SagaConcurrencyException() { }

    /// <summary>Creates the exception with a message.</summary>
    public SagaConcurrencyException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SagaConcurrencyException(string message, Exception innerException) : base(message, innerException) { }
}
