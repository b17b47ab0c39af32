namespace LogBus.Transport.InMemory;

/// <summary>A topic that does not exist was used.</summary>
public sealed class UnknownTopicException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnknownTopicException() { }

    /// <summary>Creates the exception for a topic name.</summary>
    public UnknownTopicException(string topic) : base($"Topic '{topic}' does not exist.") => Topic = topic;

    /// <summary>Creates the exception with a message and a cause.</summary>
    public UnknownTopicException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The missing topic.</summary>
    public string? Topic { get; }
}
