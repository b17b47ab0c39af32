namespace LogBus.Benchmarks.Report;

/// <summary>
/// Counters of one measured run: CPU time per message of the benchmark process (client, and for LogBus
/// also the in-process broker) and of the peer's server process, allocations and collections.
/// </summary>
internal sealed class RunProfile
{
    /// <summary>CPU microseconds per message used by the benchmark process.</summary>
    public double CpuUsPerMessage { get; set; }

    /// <summary>CPU microseconds per message used by the peer's server process (RabbitMQ's beam.smp); null when none.</summary>
    public double? ServerCpuUsPerMessage { get; set; }

    /// <summary>Bytes the benchmark process allocated per message.</summary>
    public double AllocatedBytesPerMessage { get; set; }

    /// <summary>Gen0/gen1/gen2 collections during the run.</summary>
    public int Gen0 { get; set; }

    /// <inheritdoc cref="Gen0"/>
    public int Gen1 { get; set; }

    /// <inheritdoc cref="Gen0"/>
    public int Gen2 { get; set; }

    /// <summary>Total GC pause time during the run, in milliseconds.</summary>
    public double GcPauseMs { get; set; }

    /// <summary>Machine load average (1 minute) when the run ended: other work on the shared cores.</summary>
    public double LoadAverage { get; set; }
}
