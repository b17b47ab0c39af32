using System.Data.Common;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>PostgreSQL statements; relays also LISTEN on <see cref="Channel"/>.</summary>
internal sealed class PostgresOutboxDialect : OutboxDialect
{
    public const string Channel = "logbus_outbox";
    public const string NotifySql = "SELECT pg_notify('logbus_outbox', '')";

    protected override string HeartbeatSql =>
        "INSERT INTO logbus_outbox_relays (owner, heartbeat_at_ms) VALUES (@owner, @now) ON CONFLICT (owner) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms";

    // Array parameters keep the statement text constant, so PostgreSQL plans it once.
    protected override bool UsesArrays => true;

    protected override string LaneFilter(IReadOnlyCollection<int> lanes) => "lane = ANY(@lanes)";

    protected override string SequenceFilter(IReadOnlyCollection<long> sequences, string name) => $"sequence = ANY(@{name})";

    /// <summary>
    /// The relay's statements (deleting delivered rows, leases, retry bookkeeping) commit without waiting
    /// for the WAL flush: losing the last few of them in a database crash only means rows are sent again
    /// (at-least-once; the inbox absorbs them) and leases are re-read when the relay reconnects. The
    /// application's own transactions, which insert the rows, are not affected. Npgsql resets the
    /// session when the connection goes back to its pool.
    /// </summary>
    public override Task PrepareRelayConnectionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, "SET synchronous_commit TO off", cancellationToken);

    public override Task InitializeLanesAsync(DbConnection connection, int lanes, CancellationToken cancellationToken) =>
        ExecuteAsync(connection,
            "INSERT INTO logbus_outbox_lanes (lane, owner, lease_until_ms) SELECT g, NULL, 0 FROM generate_series(0, @last) AS g ON CONFLICT (lane) DO NOTHING",
            cancellationToken, ("last", lanes - 1));
}
