using System.Text.Json;

namespace LogBus.Compatibility.Tests;

/// <summary>Runs this project's Python client scripts with Debian's /usr/bin/python3 (which owns python3-kafka and python3-confluent-kafka).</summary>
internal static class Python
{
    public static async Task<List<JsonElement>> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", [Path.Combine(RepositoryPaths.Scripts, script), .. arguments], timeout,
            environment: new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1", ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Assert.True(result.ExitCode == 0, $"{script} failed: {result}");
        return result.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
