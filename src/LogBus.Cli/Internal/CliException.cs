namespace LogBus.Cli.Internal;

/// <summary>
/// An error the user can act on: printed as one line on stderr; exit code 1 (a broker or data problem),
/// or 2 for a command line that asks for something impossible (<see cref="Usage"/>).
/// </summary>
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

    /// <summary>The process exit code: 1 unless made with <see cref="Usage"/>.</summary>
    public int ExitCode { get; private init; } = 1;

    /// <summary>A bad option value (exit code 2): nothing was sent to the broker.</summary>
    public static CliException Usage(string message) => new(message) { ExitCode = 2 };
}
