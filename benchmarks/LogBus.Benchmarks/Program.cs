using System.Reflection;
using LogBus.Benchmarks;

var benchmarks = typeof(Program).Assembly.GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: LogBus.Benchmarks <benchmark> [options]");
    Console.WriteLine();
    foreach (var b in benchmarks)
    {
        Console.WriteLine($"  {b.Name,-16} {b.Description}");
    }
    return args.Length == 0 ? 2 : 0;
}

var selected = benchmarks.FirstOrDefault(b => string.Equals(b.Name, args[0], StringComparison.OrdinalIgnoreCase));
if (selected is null)
{
    Console.Error.WriteLine($"unknown benchmark '{args[0]}'; run with --help for the list");
    return 2;
}
return await selected.RunAsync(args[1..]);

/// <summary>Entry point type (named so reflection can find this assembly).</summary>
internal sealed partial class Program
{
    private Program() { }

    /// <summary>Assembly marker for reflection.</summary>
    internal static Assembly Assembly => typeof(Program).Assembly;
}
