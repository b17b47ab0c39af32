using System.Diagnostics;
using System.Text;

namespace LogBus.Testing;

/// <summary>Runs a program to completion within a bounded time, capturing its output.</summary>
public static class ProcessRunner
{
    /// <summary>A finished run.</summary>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
    {
        /// <summary>Exit code and the tails of both streams, for assertion messages.</summary>
        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\nstdout (tail): {Tail(StandardOutput)}\nstderr (tail): {Tail(StandardError)}";

        private static string Tail(string s) => s.Length > 6000 ? "..." + s[^6000..] : s;
    }

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/>, writing <paramref name="standardInput"/>
    /// (then closing it) when given. Kills the whole process tree and throws <see cref="TimeoutException"/>
    /// with the output so far when <paramref name="timeout"/> passes.
    /// </summary>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null,
        IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput).ConfigureAwait(false);
        }
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            var partial = new Result(-1, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), clock.Elapsed);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}:\n{partial}");
        }
        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), clock.Elapsed);
    }
}
