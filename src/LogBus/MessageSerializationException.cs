namespace LogBus;

/// <summary>A message could not be serialized or deserialized.</summary>
public sealed class MessageSerializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageSerializationException() { }

    /// <summary>Creates the exception with a message.</summary>
    public MessageSerializationException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public MessageSerializationException(string message, Exception innerException) : base(message, innerException) { }
}
