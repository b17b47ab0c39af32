using System.CommandLine;
using LogBus.Protocol;
using LogBus.Transport.Kafka.Client;

namespace LogBus.Cli.Internal;

/// <summary>The options every command takes, and the shared way commands run and fail.</summary>
internal static class GlobalOptions
{
    public const string DefaultBootstrap = "127.0.0.1:9092";

    public static readonly Option<string> Bootstrap = new("--bootstrap", "-b")
    {
        Description = $"Broker address(es), host:port[,host:port] (default: $LOGBUS_BOOTSTRAP or {DefaultBootstrap})",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LOGBUS_BOOTSTRAP") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultBootstrap,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Machine-readable JSON on stdout instead of tables",
        Recursive = true,
    };

    public static readonly Option<string> RequestTimeout = new("--request-timeout")
    {
        Description = "How long to wait for a broker: connecting, each request, and admin commands as a whole (e.g. 500ms, 10s)",
        Recursive = true,
        DefaultValueFactory = _ => "10s",
    };

    /// <summary>Binds an action to <paramref name="command"/> with the shared connection, error and exit-code handling.</summary>
    public static void SetAction(Command command, Func<CommandContext, Task> action) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, action, Console.Out, Console.Error, Console.In, cancellationToken));

    /// <summary>
    /// Runs a command: 0 on success; 1 with one line on stderr for a broker or user error (unreachable
    /// broker, unknown topic, timeout); 2 for bad option values.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<CommandContext, Task> action, TextWriter output, TextWriter error, TextReader input, CancellationToken cancellationToken)
    {
        var bootstrap = parse.GetValue(Bootstrap)!;
        if (!Durations.TryParse(parse.GetValue(RequestTimeout)!, out var timeout) || timeout <= TimeSpan.Zero)
        {
            await error.WriteLineAsync($"logbus: --request-timeout must be a positive duration such as 500ms or 10s (was '{parse.GetValue(RequestTimeout)}')").ConfigureAwait(false);
            return 2;
        }
        var options = new KafkaClientOptions
        {
            BootstrapServers = bootstrap,
            ClientId = "logbus-cli",
            ConnectTimeout = timeout,
            RequestTimeout = timeout,
            ReconnectBackoffMax = TimeSpan.FromMilliseconds(500),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"logbus: {FirstLine(ex.Message)}").ConfigureAwait(false);
            return 2;
        }
        try
        {
            await using var session = new BrokerSession(options);
            await action(new CommandContext(parse, session, output, error, input, timeout, cancellationToken)).ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync($"logbus: {ex.Message}").ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (KafkaConnectionException ex)
        {
            await error.WriteLineAsync($"logbus: cannot reach the broker at {bootstrap}: {Reason(ex.Message, bootstrap)}").ConfigureAwait(false);
            return 1;
        }
        catch (KafkaException ex)
        {
            await error.WriteLineAsync($"logbus: {FirstLine(ex.Message)} ({ex.ErrorCode.KafkaName()})").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("logbus: interrupted").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            await error.WriteLineAsync($"logbus: no answer from {bootstrap} within {Durations.Format(timeout)} (is a broker running there? --request-timeout sets the limit)").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The client's connection error without its repeated prefix and error-code suffixes.</summary>
    private static string Reason(string message, string bootstrap)
    {
        var text = FirstLine(message).Replace(" (NETWORK_EXCEPTION)", "", StringComparison.Ordinal);
        var prefix = $"No broker is reachable (bootstrap servers: {bootstrap}). ";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return text;
        }
        // "host:port: Cannot connect to broker host:port (node -1): Connection refused" -> "Connection refused"
        var reasons = text[prefix.Length..].Split("; ");
        return string.Join("; ", reasons.Select(r => r.LastIndexOf(": ", StringComparison.Ordinal) is var i and >= 0 ? r[(i + 2)..] : r).Distinct());
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
