using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>
/// A long-running client process (a consumer-group member) whose stdout is one JSON object per line.
/// Collects the lines, lets tests wait for a condition over them, and sends signals (TERM, STOP, CONT).
/// Dispose continues and kills the process (whole tree) if it still runs.
/// </summary>
internal sealed class GroupsClientProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<JsonElement> _events = [];
    private readonly StringBuilder _stderr = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool _outputClosed;

    private GroupsClientProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>True once the process exited and all its output was read (no event still in flight).</summary>
    public bool HasExited => _process.HasExited && Volatile.Read(ref _outputClosed);

    public static GroupsClientProcess Start(string name, string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                info.Environment[k] = v;
            }
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var client = new GroupsClientProcess(name, process);
        process.OutputDataReceived += (_, e) => client.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (client._stderr)
                {
                    if (client._stderr.Length < 64 * 1024)
                    {
                        client._stderr.AppendLine(e.Data);
                    }
                }
            }
        };
        process.Exited += (_, _) => client.Signal();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            Volatile.Write(ref _outputClosed, true); // end of the output stream
            return;
        }
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }
        JsonElement element;
        try
        {
            element = JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            lock (_stderr)
            {
                _stderr.AppendLine("(stdout) " + line);
            }
            return;
        }
        lock (_events)
        {
            _events.Add(element);
        }
        Signal();
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>A copy of the events so far.</summary>
    public List<JsonElement> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Events of one kind ("msg", "assign", ...).</summary>
    public List<JsonElement> Of(string kind) => Events.Where(e => e.GetProperty("ev").GetString() == kind).ToList();

    /// <summary>What the process wrote to stderr so far (bounded).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public string Describe()
    {
        lock (_stderr)
        {
            var events = Events;
            return $"{Name} (pid {Pid}, exited {HasExited}): {events.Count} events, last: {string.Join(" | ", events.TakeLast(5).Select(e => e.GetRawText()))}\nstderr: {_stderr}";
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (re-checked at every new line or exit), failing after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe, params GroupsClientProcess[] processes)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
        {
            var changes = processes.Select(p => Volatile.Read(ref p._changed).Task).ToList();
            if (condition())
            {
                return;
            }
            try
            {
                // Re-check at least every 500 ms for conditions that do not depend on these processes alone.
                await Task.WhenAny(changes).WaitAsync(TimeSpan.FromMilliseconds(500), cts.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"condition not met within {timeout}: {describe()}");
            }
        }
    }

    public Task SignalAsync(string signal) =>
        ExternalProcess.RunAsync("kill", [$"-{signal}", Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));

    /// <summary>SIGTERM and wait for the exit (the clients leave their group gracefully).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            await SignalAsync("TERM");
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name} did not exit within {timeout} after SIGTERM: {Describe()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await SignalAsync("CONT"); // a stopped process cannot die until continued
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
            }
        }
        _process.Dispose();
    }
}
