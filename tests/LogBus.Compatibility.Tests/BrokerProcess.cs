using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// The real <c>logbus-broker</c> process on a free loopback port (it binds port 0 and logs the port)
/// with a throwaway data directory. Stops (kills) the process and deletes the directory on dispose.
/// </summary>
internal sealed partial class BrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<string> _output = [];
    private readonly string[] _extraArguments;
    private readonly IDictionary<string, string>? _environment;
    private readonly string? _workingDirectory;
    private Process? _process;
    private TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _stoppedCleanly = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(string dataDirectory, bool ownsDirectory, string[] extraArguments, IDictionary<string, string>? environment, string? workingDirectory)
    {
        DataDirectory = dataDirectory;
        OwnsDirectory = ownsDirectory;
        _extraArguments = extraArguments;
        _environment = environment;
        _workingDirectory = workingDirectory;
    }

    public string DataDirectory { get; }

    private bool OwnsDirectory { get; }

    public int Port { get; private set; }

    public string Bootstrap => $"127.0.0.1:{Port}";

    /// <summary>Everything the broker wrote so far (for assertions and failure messages).</summary>
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

    public static Task<BrokerProcess> StartAsync(params string[] extraArguments) => StartAsync(null, null, extraArguments);

    /// <summary>Starts with extra environment variables and a working directory (for configuration tests).</summary>
    public static async Task<BrokerProcess> StartAsync(IDictionary<string, string>? environment, string? workingDirectory, params string[] extraArguments)
    {
        var directory = Path.Combine(Path.GetTempPath(), "logbus-compat-" + Guid.NewGuid().ToString("N"));
        var broker = new BrokerProcess(directory, ownsDirectory: true, extraArguments, environment, workingDirectory);
        try
        {
            await broker.LaunchAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
        return broker;
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    private async Task LaunchAsync()
    {
        _listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _stoppedCleanly = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[RepositoryPaths.BrokerDll, "--listen", "127.0.0.1:0", "--data-dir", DataDirectory, .. _extraArguments])
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in _environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        if (_workingDirectory is not null)
        {
            info.WorkingDirectory = _workingDirectory;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"logbus-broker exited with {process.ExitCode} before listening:\n{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Port = await _listening.Task.WaitAsync(StartTimeout);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Count < 20_000)
            {
                _output.Add(line);
            }
        }
        if (ListeningLine().Match(line) is { Success: true } m)
        {
            _listening.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        if (line.Contains("Broker stopped cleanly", StringComparison.Ordinal))
        {
            _stoppedCleanly.TrySetResult();
        }
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, then waits for a clean exit (code 0 and the "stopped cleanly" log line).</summary>
    public async Task TerminateAsync()
    {
        var p = _process ?? throw new InvalidOperationException("not started");
        var kill = await ExternalProcess.RunAsync("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(_stoppedCleanly.Task.IsCompleted, "no 'Broker stopped cleanly' line:\n" + Output);
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>Starts the broker again on the same data directory (a new port).</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        _process?.Dispose();
        lock (_output)
        {
            _output.Add("---- restart ----");
        }
        await LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        if (OwnsDirectory && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
