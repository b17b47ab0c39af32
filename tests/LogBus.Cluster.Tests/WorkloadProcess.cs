using System.Diagnostics;

namespace LogBus.Cluster.Tests;

/// <summary>A long-running client process (a Python workload script) writing a history file; stopped by a stop file, killed when it overstays.</summary>
internal sealed class WorkloadProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _errors = [];

    private WorkloadProcess(Process process, string history)
    {
        _process = process;
        History = history;
    }

    public string History { get; }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return string.Join('\n', _errors.TakeLast(50));
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static WorkloadProcess Start(string script, string history, params string[] arguments)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(LogBus.Testing.RepositoryPaths.Root, "tests", "LogBus.Cluster.Tests", "scripts", script));
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var process = new Process { StartInfo = info };
        var workload = new WorkloadProcess(process, history);
        process.OutputDataReceived += (_, e) => workload.Add(e.Data);
        process.ErrorDataReceived += (_, e) => workload.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return workload;
    }

    /// <summary>Waits for the process to exit by itself (after the stop file appeared); false when it did not within <paramref name="timeout"/> (then it is killed).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_errors)
        {
            _errors.Add(line);
            if (_errors.Count > 1000)
            {
                _errors.RemoveRange(0, 500);
            }
        }
    }
}
