namespace LogBus.Transport.InMemory;

/// <summary>A record is larger than the broker's <see cref="InMemoryBrokerOptions.MaxRecordBytes"/>.</summary>
public sealed class RecordTooLargeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RecordTooLargeException() { }

    /// <summary>Creates the exception with a message.</summary>
    public RecordTooLargeException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RecordTooLargeException(string message, Exception innerException) : base(message, innerException) { }
}
