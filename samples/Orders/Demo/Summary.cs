namespace Orders.Demo;

/// <summary>What the demo measured and found, from the database after the run.</summary>
internal sealed record Summary(int Final, TimeSpan Span, Dictionary<string, int> Outcomes, List<(string Name, double[] Values)> Latencies,
    int OpenSagas, List<string> NotFinal, List<string> Failures);
