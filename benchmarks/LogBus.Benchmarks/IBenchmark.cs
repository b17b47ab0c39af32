namespace LogBus.Benchmarks;

/// <summary>
/// One benchmark of the harness, run as <c>dotnet run -c Release --project benchmarks/LogBus.Benchmarks -- NAME [args]</c>.
/// Implementations are discovered by reflection, so adding a benchmark is adding one file.
/// </summary>
internal interface IBenchmark
{
    /// <summary>The command-line name, e.g. <c>inmemory</c>.</summary>
    string Name { get; }

    /// <summary>One line for the listing.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark, printing results to stdout. Returns the process exit code.</summary>
    Task<int> RunAsync(string[] args);
}
