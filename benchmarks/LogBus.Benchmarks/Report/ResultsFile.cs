using System.Text.Json;
using System.Text.Json.Serialization;

namespace LogBus.Benchmarks.Report;

/// <summary>Reads and writes <see cref="BenchmarkResults"/> as indented camelCase JSON.</summary>
internal static class ResultsFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="results"/> to <paramref name="path"/> (creating its directory).</summary>
    public static void Write(string path, BenchmarkResults results)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(path, JsonSerializer.Serialize(results, Options));
    }

    /// <summary>Serializes to a string (tests).</summary>
    public static string ToJson(BenchmarkResults results) => JsonSerializer.Serialize(results, Options);

    /// <summary>Parses a results document; throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when it is not one.</summary>
    public static BenchmarkResults Parse(string json, string source)
    {
        try
        {
            var results = JsonSerializer.Deserialize<BenchmarkResults>(json, Options);
            if (results is null || string.IsNullOrEmpty(results.Workload))
            {
                throw new InvalidDataException($"{source}: not a benchmark results document (no workload)");
            }
            return results;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Reads every <c>*.json</c> results file in <paramref name="directory"/> (machine facts excluded).</summary>
    public static List<BenchmarkResults> ReadAll(string directory) =>
        Directory.EnumerateFiles(directory, "*.json")
            .Where(f => !Path.GetFileName(f).Equals("machine.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => Parse(File.ReadAllText(f), f))
            .ToList();
}
