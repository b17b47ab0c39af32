using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Orders.Data;

/// <summary>
/// Settings for every SQLite connection. Several writers share the one database file here (the API, the
/// outbox relay, three consumers); SQLite admits one writer at a time. With <c>busy_timeout</c> a
/// writer that finds the file locked waits in SQLite's own short steps; without it
/// Microsoft.Data.Sqlite retries after sleeping 150 ms, which makes contention very slow.
/// <c>synchronous=NORMAL</c> (with WAL) keeps every commit safe from application crashes and fsyncs at
/// checkpoints; a power loss can drop the last commits, together (orders and outbox rows share one file).
/// </summary>
public sealed class SqliteTuning : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
            command.ExecuteNonQuery();
        }
    }
}
