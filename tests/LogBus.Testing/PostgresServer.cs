using System.Diagnostics;
using System.Text;
using Npgsql;

namespace LogBus.Testing;

/// <summary>
/// A PostgreSQL server for tests: the one named by <c>LOGBUS_TEST_POSTGRES</c> (a connection string), or a
/// throwaway cluster started from Debian's binaries (<c>initdb</c>, <c>pg_ctl</c>) on a free port on
/// 127.0.0.1, as the <c>postgres</c> user when running as root. Dispose stops and deletes a cluster it
/// started. Each test gets its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string? _dataDirectory;
    private readonly string? _binDirectory;
    private readonly bool _asPostgresUser;
    private int _databases;

    private PostgresServer(string connectionString, string? dataDirectory, string? binDirectory, bool asPostgresUser)
    {
        ConnectionString = connectionString;
        _dataDirectory = dataDirectory;
        _binDirectory = binDirectory;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>Connection string of the server's <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    /// <summary>True when this object started the server (and will stop it).</summary>
    public bool Owned => _dataDirectory is not null;

    /// <summary>Starts a server (or connects to <c>LOGBUS_TEST_POSTGRES</c>) and waits until it accepts connections.</summary>
    /// <param name="durable">False (tests) turns off fsync for speed; true (benchmarks) keeps PostgreSQL's defaults.</param>
    public static async Task<PostgresServer> StartAsync(bool durable = false, CancellationToken cancellationToken = default)
    {
        if (Environment.GetEnvironmentVariable("LOGBUS_TEST_POSTGRES") is { Length: > 0 } external)
        {
            return new PostgresServer(external, null, null, false);
        }
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: install Debian's postgresql package (./test.sh does when run as root) or set LOGBUS_TEST_POSTGRES to a connection string.");
        var asPostgres = Environment.UserName == "root";
        var directory = Path.Combine(Path.GetTempPath(), "logbus-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", directory], null, cancellationToken).ConfigureAwait(false);
        }
        var server = new PostgresServer("", directory, bin, asPostgres);
        try
        {
            await server.RunPgAsync("initdb", ["-D", directory + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"], cancellationToken).ConfigureAwait(false);
            var port = FreePort.Next();
            var settings = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=800 -c shared_buffers=128MB";
            if (!durable)
            {
                settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            }
            await server.RunPgAsync("pg_ctl", ["-D", directory + "/data", "-o", settings, "-l", directory + "/server.log", "-w", "-t", "60", "start"], cancellationToken).ConfigureAwait(false);
            // Every test database has its own pool: idle connections are pruned after 5 s and the server allows 800,
            // so pools of finished tests never starve a later test or a crash-test child process ("too many clients").
            var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100;Connection Idle Lifetime=5;Connection Pruning Interval=1;Timeout=30";
            return new PostgresServer(connectionString, directory, bin, asPostgres);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops a server this object started (immediate mode) and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_dataDirectory is null)
        {
            return;
        }
        try
        {
            if (File.Exists(Path.Combine(_dataDirectory, "data", "postmaster.pid")))
            {
                await RunPgAsync("pg_ctl", ["-D", _dataDirectory + "/data", "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private Task RunPgAsync(string tool, string[] arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDirectory!, tool);
        return _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], _dataDirectory, cancellationToken)
            : RunAsync(path, arguments, _dataDirectory, cancellationToken);
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }
        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    private static async Task RunAsync(string file, string[] arguments, string? workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {file}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in time.");
        }
        output.Append(await stdout.ConfigureAwait(false)).Append(await stderr.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {output}");
        }
    }
}
