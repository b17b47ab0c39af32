namespace LogBus.Benchmarks.Report;

/// <summary>One system's measurement in a row.</summary>
internal sealed class SystemResult
{
    /// <summary>System name as in <see cref="BenchmarkResults.Systems"/>, e.g. <c>LogBus</c>, <c>RabbitMQ stream</c>.</summary>
    public string System { get; set; } = "";

    /// <summary>The measurement in the row's unit; null when the run failed (see <see cref="Note"/>).</summary>
    public double? Value { get; set; }

    /// <summary>Messages in the measured run.</summary>
    public long Count { get; set; }

    /// <summary>Length of the measured run in seconds.</summary>
    public double Seconds { get; set; }

    /// <summary>True when the system could not keep up with the offered load (latency rows).</summary>
    public bool Saturated { get; set; }

    /// <summary>Anything the reader must know about this number (reused run, failure, achieved rate).</summary>
    public string? Note { get; set; }

    /// <summary>Where the time went during the measured run.</summary>
    public RunProfile? Profile { get; set; }
}
