namespace LogBus.Broker.Storage;

/// <summary>
/// A filesystem or on-disk-state failure of the storage engine, naming the path and the reason.
/// Data acknowledged before the failure is never modified because of it.
/// </summary>
public sealed class StorageException : IOException
{
    /// <summary>Creates an exception with a message only.</summary>
    public StorageException()
    {
        Path = string.Empty;
    }

    /// <summary>Creates an exception with a message only.</summary>
    public StorageException(string message) : base(message)
    {
        Path = string.Empty;
    }

    /// <summary>Creates an exception wrapping <paramref name="inner"/>.</summary>
    public StorageException(string message, Exception inner) : base(message, inner)
    {
        Path = string.Empty;
    }

    /// <summary>Creates an exception for <paramref name="path"/>: the message is "reason (path)".</summary>
    public StorageException(string path, string reason, Exception? inner = null)
        : base($"{reason} ({path})", inner)
    {
        Path = path;
    }

    /// <summary>The file or directory concerned; empty when none applies.</summary>
    public string Path { get; }
}
