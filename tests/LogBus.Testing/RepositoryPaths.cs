namespace LogBus.Testing;

/// <summary>Finds the repository and the build outputs of its projects.</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding Framework.sln.</summary>
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

    /// <summary>The configuration the calling assembly was built in (Release or Debug).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The built assembly of a project under the repository (built by the solution build).</summary>
    public static string Output(string projectDirectory, string assemblyName)
    {
        var path = Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: build Framework.sln in {Configuration} first (./test.sh does).", path);
        }
        return path;
    }
}
