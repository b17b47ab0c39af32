namespace LogBus.Transport;

/// <summary>A commit was refused, typically because the partition was reassigned to another member.</summary>
public sealed class CommitFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommitFailedException() { }

    /// <summary>Creates the exception with a message.</summary>
    public CommitFailedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CommitFailedException(string message, Exception innerException) : base(message, innerException) { }
}
