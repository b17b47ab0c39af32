using System.Diagnostics;
using System.Globalization;
using LogBus.Benchmarks.Report;

namespace LogBus.Benchmarks.Peers;

/// <summary>
/// Measures one run: wall time, CPU time of this process and of the peer's server process (read from
/// <c>/proc/PID/stat</c>), allocations, collections and GC pauses. Start it right before the measured
/// work and call <see cref="Stop"/> right after.
/// </summary>
internal sealed class RunMeter
{
    private readonly int? _serverPid;
    private readonly long _start;
    private readonly TimeSpan _cpu;
    private readonly double? _serverCpu;
    private readonly long _allocated;
    private readonly int _gen0;
    private readonly int _gen1;
    private readonly int _gen2;
    private readonly TimeSpan _pause;

    private RunMeter(int? serverPid)
    {
        _serverPid = serverPid;
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _pause = GC.GetTotalPauseDuration();
        _allocated = GC.GetTotalAllocatedBytes(precise: false);
        _serverCpu = ServerCpuSeconds(serverPid);
        _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts measuring; <paramref name="serverPid"/> is the peer's server process, if any.</summary>
    public static RunMeter Start(int? serverPid = null) => new(serverPid);

    /// <summary>Seconds since <see cref="Start"/>.</summary>
    public double Elapsed => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    /// <summary>Ends the run of <paramref name="messages"/> messages; returns its length in seconds and its profile.</summary>
    public (double Seconds, RunProfile Profile) Stop(long messages)
    {
        var seconds = Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
        var serverCpu = ServerCpuSeconds(_serverPid);
        var n = Math.Max(1, messages);
        var profile = new RunProfile
        {
            CpuUsPerMessage = cpu.TotalMicroseconds / n,
            ServerCpuUsPerMessage = serverCpu is { } end && _serverCpu is { } begin ? (end - begin) * 1e6 / n : null,
            AllocatedBytesPerMessage = (GC.GetTotalAllocatedBytes(precise: false) - _allocated) / (double)n,
            Gen0 = GC.CollectionCount(0) - _gen0,
            Gen1 = GC.CollectionCount(1) - _gen1,
            Gen2 = GC.CollectionCount(2) - _gen2,
            GcPauseMs = (GC.GetTotalPauseDuration() - _pause).TotalMilliseconds,
            LoadAverage = LoadAverage(),
        };
        return (seconds, profile);
    }

    /// <summary>The 1-minute load average from <c>/proc/loadavg</c> (0 where unavailable).</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>User+system CPU seconds of process <paramref name="pid"/> (fields 14 and 15 of /proc/PID/stat, in 1/100 s).</summary>
    private static double? ServerCpuSeconds(int? pid)
    {
        if (pid is not { } id)
        {
            return null;
        }
        try
        {
            var stat = File.ReadAllText($"/proc/{id.ToString(CultureInfo.InvariantCulture)}/stat");
            // The command name (field 2) may contain spaces: fields after it start behind the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
