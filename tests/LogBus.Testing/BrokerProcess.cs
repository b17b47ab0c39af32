using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LogBus.Testing;

/// <summary>
/// The real <c>logbus-broker</c> process (the solution build's output) on a free loopback port (it binds
/// port 0 and logs the port) with a throwaway data directory. Dispose kills it and deletes the directory.
/// </summary>
/// <remarks>A reusable version of the compatibility tests' fixture, without xunit dependencies.</remarks>
public sealed partial class BrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;

    private BrokerProcess(string dataDirectory) => DataDirectory = dataDirectory;

    /// <summary>The broker's data directory (deleted on dispose).</summary>
    public string DataDirectory { get; }

    /// <summary>The port the broker listens on.</summary>
    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Bootstrap => $"127.0.0.1:{Port}";

    /// <summary>Everything the broker wrote so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts a broker with extra command-line arguments and waits until it listens.</summary>
    public static async Task<BrokerProcess> StartAsync(params string[] extraArguments)
    {
        var broker = new BrokerProcess(Path.Combine(Path.GetTempPath(), "logbus-broker-" + Guid.NewGuid().ToString("N")));
        try
        {
            await broker.LaunchAsync(extraArguments).ConfigureAwait(false);
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return broker;
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    private async Task LaunchAsync(string[] extraArguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[RepositoryPaths.Output("src/LogBus.Broker.Host", "logbus-broker"), "--listen", "127.0.0.1:0", "--data-dir", DataDirectory, .. extraArguments])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"logbus-broker exited before listening:\n{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Port = await _listening.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Count < 10_000)
            {
                _output.Add(line);
            }
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Kills the broker (if running) and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
