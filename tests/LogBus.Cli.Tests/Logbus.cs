using System.Text.Json;
using LogBus.Testing;

namespace LogBus.Cli.Tests;

/// <summary>Runs the built CLI (<c>dotnet LogBus.Cli.dll ...</c>) with a bounded time.</summary>
internal static class Logbus
{
    private static string Dll => RepositoryPaths.Output("src/LogBus.Cli", "LogBus.Cli");

    public static Task<ProcessRunner.Result> RunAsync(string bootstrap, params string[] arguments) => RunWithInputAsync(bootstrap, null, arguments);

    public static Task<ProcessRunner.Result> RunWithInputAsync(string bootstrap, string? input, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [Dll, "--bootstrap", bootstrap, .. arguments], TimeSpan.FromMinutes(2), input);

    /// <summary>Runs the CLI with exactly these arguments (no <c>--bootstrap</c> added).</summary>
    public static Task<ProcessRunner.Result> RawAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. arguments], TimeSpan.FromMinutes(2));

    /// <summary>Runs a command that must succeed and returns its stdout parsed as JSON.</summary>
    public static async Task<JsonElement> JsonAsync(string bootstrap, params string[] arguments)
    {
        var result = await RunAsync(bootstrap, [.. arguments, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }

    /// <summary>Runs a command that must succeed.</summary>
    public static async Task<ProcessRunner.Result> OkAsync(string bootstrap, params string[] arguments)
    {
        var result = await RunAsync(bootstrap, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
