using System.Data.Common;
using System.Text;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>SQLite statements (3.35+ for RETURNING; Microsoft.Data.Sqlite bundles a newer one).</summary>
internal sealed class SqliteOutboxDialect : OutboxDialect
{
    protected override string HeartbeatSql =>
        "INSERT INTO logbus_outbox_relays (owner, heartbeat_at_ms) VALUES (@owner, @now) ON CONFLICT (owner) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms";

    public override Task InitializeLanesAsync(DbConnection connection, int lanes, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("INSERT OR IGNORE INTO logbus_outbox_lanes (lane, owner, lease_until_ms) VALUES ");
        for (var lane = 0; lane < lanes; lane++)
        {
            sql.Append(lane == 0 ? "" : ",").Append('(').Append(lane).Append(", NULL, 0)");
        }
        return ExecuteAsync(connection, sql.ToString(), cancellationToken);
    }
}
