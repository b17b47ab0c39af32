using System.Diagnostics;
using System.Globalization;

namespace LogBus.Cluster.Tests;

/// <summary>
/// One <c>logbus-broker</c> process of a test cluster, started with the cluster options of the issue
/// (fixed ports, so a restart keeps its endpoints). Supports kill -9, restart, SIGSTOP and SIGCONT;
/// output is kept (bounded) for failure messages.
/// </summary>
internal sealed class BrokerNode : IAsyncDisposable
{
    private readonly List<string> _output = [];
    private readonly string[] _arguments;
    private Process? _process;

    public BrokerNode(int id, int port, int controllerPort, string quorum, string dataDirectory, IEnumerable<string> extraArguments)
    {
        Id = id;
        Port = port;
        DataDirectory = dataDirectory;
        _arguments =
        [
            "--node-id", id.ToString(CultureInfo.InvariantCulture),
            "--listen", $"127.0.0.1:{port}",
            "--controller-listen", $"127.0.0.1:{controllerPort}",
            "--controller-quorum", quorum,
            "--data-dir", dataDirectory,
            "--default-replication-factor", "3",
            "--min-insync-replicas", "2",
            .. extraArguments,
        ];
    }

    public int Id { get; }

    public int Port { get; }

    public string DataDirectory { get; }

    public bool Paused { get; private set; }

    public bool Running => _process is { HasExited: false };

    public int? ProcessId => _process?.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(200));
            }
        }
    }

    public void Start()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(LogBus.Testing.RepositoryPaths.Output("src/LogBus.Broker.Host", "logbus-broker"));
        foreach (var a in _arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Paused = false;
        Add($"---- started pid {process.Id} ----");
    }

    /// <summary>kill -9 (SIGKILL): no shutdown of any kind.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            if (Paused)
            {
                Signal("CONT");
            }

            Signal("KILL");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(timeout.Token);
            Add("---- killed with SIGKILL ----");
        }

        _process?.Dispose();
        _process = null;
        Paused = false;
    }

    public void Pause()
    {
        Signal("STOP");
        Paused = true;
        Add("---- SIGSTOP ----");
    }

    public void Resume()
    {
        Signal("CONT");
        Paused = false;
        Add("---- SIGCONT ----");
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private void Signal(string signal)
    {
        if (_process is { HasExited: false } p)
        {
            using var kill = Process.Start("kill", [$"-{signal}", p.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit(10_000);
        }
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 5000)
            {
                _output.RemoveRange(0, 1000);
            }
        }
    }
}
