namespace LogBus.Benchmarks.Report;

/// <summary>A target evaluated against the results: both values, their ratio, and whether it was met.</summary>
internal sealed record TargetOutcome(TargetSpec Target, ResultRow? Row, SystemResult? LogBus, ResultRow? PeerRow, SystemResult? Peer)
{
    /// <summary>LogBus/peer, or null when either value is missing.</summary>
    public double? Ratio => LogBus?.Value is { } l && Peer?.Value is { } p && p > 0 ? l / p : null;

    /// <summary>True when met, false when missed, null when it could not be measured.</summary>
    public bool? Met => Ratio is not { } r ? null : Target.Op == "<=" ? r <= Target.Ratio : r >= Target.Ratio;

    /// <summary>MET, MISSED or NOT MEASURED.</summary>
    public string Verdict => Met switch { true => "MET", false => "MISSED", null => "NOT MEASURED" };

    /// <summary>Evaluates <paramref name="target"/> against the rows of <paramref name="results"/>.</summary>
    public static TargetOutcome Evaluate(BenchmarkResults results, TargetSpec target)
    {
        var row = results.Row(target.Row);
        var peerRow = results.Row(target.PeerRow ?? target.Row);
        return new TargetOutcome(target, row, row?.Result(target.System), peerRow, peerRow?.Result(target.Peer));
    }
}
