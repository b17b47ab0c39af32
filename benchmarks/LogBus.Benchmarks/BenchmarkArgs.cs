using System.Globalization;

namespace LogBus.Benchmarks;

/// <summary>Tiny parser for <c>--name value</c> and <c>--flag</c> benchmark options.</summary>
internal sealed class BenchmarkArgs(string[] args)
{
    public bool Quick => Has("--quick");

    public bool Has(string flag) => args.Contains(flag, StringComparer.Ordinal);

    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long Long(string name, long fallback) => Get(name) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string String(string name, string fallback) => Get(name) ?? fallback;

    private string? Get(string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
