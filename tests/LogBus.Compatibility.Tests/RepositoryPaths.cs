namespace LogBus.Compatibility.Tests;

/// <summary>Finds the repository, the built broker and the client scripts.</summary>
internal static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Framework.sln")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException("Framework.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The configuration this test assembly was built in (Release or Debug).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The built <c>logbus-broker.dll</c> (the solution build, or this project's build, makes it).</summary>
    public static string BrokerDll
    {
        get
        {
            var path = Path.Combine(Root, "src", "LogBus.Broker.Host", "bin", Configuration, "net10.0", "logbus-broker.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build Framework.sln in {Configuration} first (./test.sh does).", path);
        }
    }

    /// <summary>The directory of this project's client scripts.</summary>
    public static string Scripts => Path.Combine(Root, "tests", "LogBus.Compatibility.Tests", "scripts");

    /// <summary>The Node.js project (kafkajs) of this test project; test.sh runs <c>npm ci</c> there.</summary>
    public static string Node => Path.Combine(Root, "tests", "LogBus.Compatibility.Tests", "node");
}
