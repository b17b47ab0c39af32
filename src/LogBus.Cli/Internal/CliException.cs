namespace LogBus.Cli.Internal;

/// <summary>An error the user can act on: printed as one line on stderr, exit code 1.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message) : base(message)
    {
    }

    public CliException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
