namespace LogBus.Benchmarks.Report;

/// <summary>
/// A target: the ratio LogBus/peer of two results must be at least (<c>&gt;=</c>) or at most
/// (<c>&lt;=</c>) <see cref="Ratio"/>. LogBus's value comes from <see cref="Row"/>, the peer's from
/// <see cref="PeerRow"/> (the same row when null).
/// </summary>
internal sealed class TargetSpec
{
    /// <summary>The target as the issue states it.</summary>
    public string Name { get; set; } = "";

    /// <summary>Row of the LogBus value.</summary>
    public string Row { get; set; } = "";

    /// <summary>System whose value is the LogBus side.</summary>
    /// <remarks>Defaults to <c>LogBus</c>.</remarks>
    public string System { get; set; } = "LogBus";

    /// <summary>Peer system compared with.</summary>
    public string Peer { get; set; } = "";

    /// <summary>Row of the peer's value; null means <see cref="Row"/>.</summary>
    public string? PeerRow { get; set; }

    /// <summary><c>&gt;=</c> or <c>&lt;=</c>.</summary>
    public string Op { get; set; } = ">=";

    /// <summary>The bound on LogBus/peer.</summary>
    public double Ratio { get; set; }
}
