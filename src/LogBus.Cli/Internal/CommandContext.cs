using System.CommandLine;

namespace LogBus.Cli.Internal;

/// <summary>What a command's action gets: its parsed arguments, the cluster session, the output streams and the deadline.</summary>
internal sealed class CommandContext(ParseResult parse, BrokerSession session, TextWriter output, TextWriter error, TextReader input, TimeSpan requestTimeout, CancellationToken interrupted)
{
    public ParseResult Parse { get; } = parse;

    public BrokerSession Session { get; } = session;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader In { get; } = input;

    /// <summary>True with <c>--json</c>: machine-readable output on stdout.</summary>
    public bool Json => Parse.GetValue(GlobalOptions.Json);

    /// <summary>The bound of one request (and of admin commands as a whole).</summary>
    public TimeSpan RequestTimeout { get; } = requestTimeout;

    /// <summary>Cancelled on Ctrl+C.</summary>
    public CancellationToken Interrupted { get; } = interrupted;

    public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;

    /// <summary>A token that fires after the request timeout (or on Ctrl+C): admin commands run within it.</summary>
    public CancellationTokenSource Deadline()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(Interrupted);
        source.CancelAfter(RequestTimeout);
        return source;
    }
}
