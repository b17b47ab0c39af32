namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>The database the outbox runs on.</summary>
internal enum OutboxDatabase
{
    None,
    Postgres,
    Sqlite,
}
