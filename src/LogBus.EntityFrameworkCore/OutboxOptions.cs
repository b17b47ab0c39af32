using LogBus.EntityFrameworkCore.Internal;

namespace LogBus.EntityFrameworkCore;

/// <summary>Options of the EF Core outbox and inbox (<see cref="EntityFrameworkOutboxExtensions.AddEntityFrameworkOutbox{TDbContext}"/>).</summary>
public sealed class OutboxOptions
{
    internal OutboxDatabase Database { get; private set; }

    /// <summary>The database is PostgreSQL: the relay wakes on <c>LISTEN/NOTIFY</c> from any instance's commits.</summary>
    public OutboxOptions UsePostgres()
    {
        Database = OutboxDatabase.Postgres;
        return this;
    }

    /// <summary>The database is SQLite: the relay wakes on an in-process signal after each commit.</summary>
    public OutboxOptions UseSqlite()
    {
        Database = OutboxDatabase.Sqlite;
        return this;
    }

    /// <summary>Whether this instance runs a relay. Instances that only write rows can turn it off.</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool RelayEnabled { get; set; } = true;

    /// <summary>
    /// Lanes the outbox is split into (by key hash). Each lane is delivered by one relay at a time, in
    /// order; more lanes let more relay instances share the work. Changing it reorders keys in flight:
    /// change it only with an empty outbox.
    /// </summary>
    /// <remarks>Defaults to 64.</remarks>
    public int Lanes { get; set; } = 64;

    /// <summary>Rows a relay reads and delivers per round.</summary>
    /// <remarks>Defaults to 1000.</remarks>
    public int BatchSize { get; set; } = 1000;

    /// <summary>How often the relay looks for rows without being woken (a missed notification, a commit made outside EF).</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a relay owns its lanes without renewing; another instance takes over a crashed relay's lanes after it.</summary>
    /// <remarks>Defaults to 10 seconds (renewed every third of it).</remarks>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed delivery attempts of a row before it is parked.</summary>
    /// <remarks>Defaults to 10.</remarks>
    public int MaxDeliveryAttempts { get; set; } = 10;

    /// <summary>Delay after the first failed delivery; doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between delivery attempts.</summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long inbox rows are kept (a redelivery later than this is handled again).</summary>
    /// <remarks>Defaults to 7 days.</remarks>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often old inbox rows are deleted.</summary>
    /// <remarks>Defaults to 1 hour.</remarks>
    public TimeSpan InboxCleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>This relay instance's id in the lease table.</summary>
    /// <remarks>Defaults to machine name, process id and a random suffix.</remarks>
    public string RelayId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    internal void Validate()
    {
        if (Database == OutboxDatabase.None)
        {
            throw new InvalidOperationException("Choose the outbox database: AddEntityFrameworkOutbox<TDbContext>(o => o.UsePostgres()) or o.UseSqlite().");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Lanes, 1, nameof(Lanes));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDeliveryAttempts, 1, nameof(MaxDeliveryAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(LeaseDuration, TimeSpan.FromMilliseconds(300), nameof(LeaseDuration));
        ArgumentException.ThrowIfNullOrWhiteSpace(RelayId, nameof(RelayId));
    }
}
