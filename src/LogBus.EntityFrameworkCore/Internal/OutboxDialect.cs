using System.Data;
using System.Data.Common;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// The SQL the relay runs, per database. Every statement is short and auto-committed: the relay never
/// holds a transaction or a row lock while it talks to the broker. Times are Unix milliseconds from the
/// application clock (lease lengths dwarf clock skew between synchronized machines).
/// </summary>
internal abstract class OutboxDialect
{
    /// <summary>Session settings for the relay's own connection (none by default).</summary>
    public virtual Task PrepareRelayConnectionAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Creates the lane rows 0..lanes-1 when missing.</summary>
    public abstract Task InitializeLanesAsync(DbConnection connection, int lanes, CancellationToken cancellationToken);

    public Task HeartbeatAsync(DbConnection connection, string relayId, long nowMs, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, HeartbeatSql, cancellationToken, ("owner", relayId), ("now", nowMs));

    protected abstract string HeartbeatSql { get; }

    public async Task<int> CountLiveRelaysAsync(DbConnection connection, long sinceMs, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT COUNT(*) FROM logbus_outbox_relays WHERE heartbeat_at_ms >= @since", ("since", sinceMs));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task RemoveRelayAsync(DbConnection connection, string relayId, long deadBeforeMs, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, "DELETE FROM logbus_outbox_relays WHERE owner = @owner OR heartbeat_at_ms < @dead", cancellationToken, ("owner", relayId), ("dead", deadBeforeMs));

    /// <summary>Extends the leases this relay holds; returns the lanes it still owns.</summary>
    public Task<List<int>> RenewAsync(DbConnection connection, string relayId, long untilMs, CancellationToken cancellationToken) =>
        QueryLanesAsync(connection, "UPDATE logbus_outbox_lanes SET lease_until_ms = @until WHERE owner = @owner RETURNING lane",
            cancellationToken, ("owner", relayId), ("until", untilMs));

    /// <summary>Takes up to <paramref name="max"/> free or expired lanes; returns those taken.</summary>
    public Task<List<int>> AcquireAsync(DbConnection connection, string relayId, long nowMs, long untilMs, int max, CancellationToken cancellationToken) =>
        QueryLanesAsync(connection,
            "UPDATE logbus_outbox_lanes SET owner = @owner, lease_until_ms = @until " +
            "WHERE (owner IS NULL OR lease_until_ms < @now) AND lane IN " +
            "(SELECT lane FROM logbus_outbox_lanes WHERE owner IS NULL OR lease_until_ms < @now ORDER BY lane LIMIT @max) RETURNING lane",
            cancellationToken, ("owner", relayId), ("until", untilMs), ("now", nowMs), ("max", max));

    public Task ReleaseAsync(DbConnection connection, string relayId, IReadOnlyCollection<int> lanes, CancellationToken cancellationToken) =>
        lanes.Count == 0
            ? Task.CompletedTask
            : ExecuteAsync(connection, $"UPDATE logbus_outbox_lanes SET owner = NULL, lease_until_ms = 0 WHERE owner = @owner AND lane IN ({string.Join(",", lanes)})",
                cancellationToken, ("owner", relayId));

    public Task ReleaseAllAsync(DbConnection connection, string relayId, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, "UPDATE logbus_outbox_lanes SET owner = NULL, lease_until_ms = 0 WHERE owner = @owner", cancellationToken, ("owner", relayId));

    /// <summary>
    /// In one round trip: deletes the <paramref name="delivered"/> rows, then reads the next deliverable
    /// rows of the given lanes in sequence order, leaving out parked rows and the rows still
    /// <paramref name="inFlight"/> (sent, not yet acknowledged).
    /// </summary>
    /// <remarks>
    /// Both statements run in one command (one implicit transaction on PostgreSQL). A cancelled call may
    /// leave the delivered rows in place: they are sent again (at-least-once; the inbox absorbs them).
    /// </remarks>
    public async Task<List<OutboxMessage>> DeleteAndFetchAsync(DbConnection connection, IReadOnlyCollection<long> delivered,
        IReadOnlyCollection<int> lanes, IReadOnlyCollection<long> inFlight, int limit, CancellationToken cancellationToken)
    {
        var list = new List<OutboxMessage>(Math.Min(limit, 1024));
        var sql = new System.Text.StringBuilder(512);
        var parameters = new List<(string Name, object? Value)>(4) { ("limit", limit) };
        if (delivered.Count > 0)
        {
            sql.Append("DELETE FROM logbus_outbox WHERE ").Append(SequenceFilter(delivered, "delivered")).Append("; ");
            if (UsesArrays)
            {
                parameters.Add(("delivered", delivered.ToArray()));
            }
        }
        sql.Append("SELECT sequence, lane, topic, key, value, headers, message_id, message_type, created_at_ms, attempts, next_attempt_at_ms ")
            .Append("FROM logbus_outbox WHERE parked_at_ms IS NULL AND ").Append(LaneFilter(lanes));
        if (UsesArrays)
        {
            parameters.Add(("lanes", lanes.ToArray()));
        }
        if (inFlight.Count > 0)
        {
            sql.Append(" AND NOT (").Append(SequenceFilter(inFlight, "inflight")).Append(')');
            if (UsesArrays)
            {
                parameters.Add(("inflight", inFlight.ToArray()));
            }
        }
        sql.Append(" ORDER BY sequence LIMIT @limit");
        await using var command = Command(connection, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new OutboxMessage
            {
                Sequence = reader.GetInt64(0),
                Lane = reader.GetInt32(1),
                Topic = reader.GetString(2),
                Key = reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3),
                Value = (byte[])reader.GetValue(4),
                Headers = (byte[])reader.GetValue(5),
                MessageId = reader.GetGuid(6),
                MessageType = reader.IsDBNull(7) ? null : reader.GetString(7),
                CreatedAtMs = reader.GetInt64(8),
                Attempts = reader.GetInt32(9),
                NextAttemptAtMs = reader.IsDBNull(10) ? null : reader.GetInt64(10),
            });
        }
        return list;
    }

    /// <summary>Deletes delivered rows in one statement.</summary>
    public Task DeleteAsync(DbConnection connection, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken) =>
        sequences.Count == 0
            ? Task.CompletedTask
            : ExecuteAsync(connection, $"DELETE FROM logbus_outbox WHERE {SequenceFilter(sequences, "delivered")}", cancellationToken,
                UsesArrays ? [("delivered", sequences.ToArray())] : []);

    /// <summary>Whether lanes and sequences are bound as array parameters (PostgreSQL) rather than inlined.</summary>
    protected virtual bool UsesArrays => false;

    /// <summary>A condition on <c>lane</c> (with <see cref="UsesArrays"/>, the lanes are bound as <c>@lanes</c>).</summary>
    protected virtual string LaneFilter(IReadOnlyCollection<int> lanes) => $"lane IN ({string.Join(",", lanes)})";

    /// <summary>A condition on <c>sequence</c> (with <see cref="UsesArrays"/>, the sequences are bound as the parameter <paramref name="name"/>).</summary>
    protected virtual string SequenceFilter(IReadOnlyCollection<long> sequences, string name) => $"sequence IN ({string.Join(",", sequences)})";

    /// <summary>Records a failed delivery: backoff, or parking with the reason.</summary>
    public Task RecordFailureAsync(DbConnection connection, long sequence, int attempts, long? nextAttemptAtMs, long? parkedAtMs, string error, CancellationToken cancellationToken) =>
        ExecuteAsync(connection,
            "UPDATE logbus_outbox SET attempts = @attempts, next_attempt_at_ms = @next, parked_at_ms = @parked, last_error = @error WHERE sequence = @sequence",
            cancellationToken, ("attempts", attempts), ("next", nextAttemptAtMs), ("parked", parkedAtMs), ("error", error), ("sequence", sequence));

    /// <summary>Depth, oldest pending row and parked rows, for metrics.</summary>
    public async Task<(long Pending, long? OldestCreatedAtMs, long Parked)> StatisticsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Command(connection,
            "SELECT COUNT(*), MIN(created_at_ms), (SELECT COUNT(*) FROM logbus_outbox WHERE parked_at_ms IS NOT NULL) FROM logbus_outbox WHERE parked_at_ms IS NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            reader.IsDBNull(1) ? null : Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
    }

    protected static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<int>> QueryLanesAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var lanes = new List<int>();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lanes.Add(reader.GetInt32(0));
        }
        lanes.Sort();
        return lanes;
    }

    protected static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // Only lane numbers and sequences (integers we produced) are interpolated; values are parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
