using System.Data.Common;
using System.Diagnostics;
using LogBus.Internal;
using LogBus.Transport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace LogBus.EntityFrameworkCore.Internal;

/// <summary>
/// Moves committed outbox rows to the log. Wakes on commit (in-process signal; PostgreSQL LISTEN/NOTIFY
/// from any instance) with polling as the fallback; owns a fair share of the lanes through leases, so
/// each key is delivered by one relay at a time and in sequence order; never holds a transaction or a
/// row lock during broker I/O; deletes delivered rows with one statement per round; retries failed rows
/// with backoff, then parks them with the reason, without holding up other keys. Rows of one key reach
/// the log in sequence order: a failed row holds its key's later rows back, and a row that failed while
/// later rows of its key (sent in the same round) succeeded is parked at once rather than retried out
/// of order.
/// Rounds are pipelined: while one round waits for the broker, the relay deletes the previous round's
/// delivered rows and reads the next rows (leaving the in-flight ones out) in one database round trip;
/// the next round is sent only after the one in flight settled cleanly, so at most one round is in flight
/// and a failed row never has later rows of its key sent behind its back.
/// </summary>
/// <remarks>
/// Delivery is at-least-once: a crash between the broker's acknowledgement and the delete, or a lease
/// lost while a round was in flight, sends rows again (the inbox absorbs the duplicates). A round's
/// broker waits are bounded by half the lease, so a relay stops producing before another instance can
/// take its lanes.
/// </remarks>
internal sealed class OutboxRelay<TDbContext>(OutboxRuntime<TDbContext> outbox, IServiceScopeFactory scopeFactory) : BackgroundService
    where TDbContext : DbContext
{
    private static readonly TimeSpan StatisticsInterval = TimeSpan.FromSeconds(5);

    private readonly OutboxOptions _options = outbox.Options;
    private readonly OutboxDialect _dialect = outbox.Dialect;
    private List<int> _owned = [];
    private long _leaseValidUntil;
    private long _nextLeaseWork;
    private long _nextStatistics;

    public IReadOnlyList<int> OwnedLanes => _owned;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.RelayStarted(outbox.Logger, _options.RelayId, _options.Database.ToString(), _options.Lanes);
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.RelayFailed(outbox.Logger, ex, _options.RelayId, delay);
                try
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                continue;
            }
            delay = TimeSpan.FromMilliseconds(200);
        }
        OutboxMetrics.Forget(this);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await db.Database.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
        var connection = db.Database.GetDbConnection();
        using var listenerStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var listener = _options.Database == OutboxDatabase.Postgres && connection is NpgsqlConnection npgsql
            ? ListenAsync(npgsql, listenerStop.Token)
            : Task.CompletedTask;
        try
        {
            await _dialect.PrepareRelayConnectionAsync(connection, stoppingToken).ConfigureAwait(false);
            await _dialect.InitializeLanesAsync(connection, _options.Lanes, stoppingToken).ConfigureAwait(false);
            await outbox.Bus.EnsureStartedAsync(stoppingToken).ConfigureAwait(false);
            _nextLeaseWork = 0;
            var delivered = new List<long>(_options.BatchSize);
            Round? inFlight = null;
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (now >= _nextLeaseWork)
                    {
                        // Lanes may be released below: settle the round in flight and delete what it delivered
                        // first, so the next owner of a lane never reads rows this relay already sent.
                        if (inFlight is { } beforeLeases)
                        {
                            inFlight = null; // settled once, even if settling throws
                            await CompleteAsync(connection, beforeLeases, delivered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ConfigureAwait(false);
                        }
                        await DeleteDeliveredAsync(connection, delivered).ConfigureAwait(false);
                        await ManageLeasesAsync(connection, stoppingToken).ConfigureAwait(false);
                        _nextLeaseWork = now + Ticks(_options.LeaseDuration / 3);
                    }
                    if (now >= _nextStatistics)
                    {
                        OutboxMetrics.Report(this, await _dialect.StatisticsAsync(connection, stoppingToken).ConfigureAwait(false));
                        _nextStatistics = now + Ticks(StatisticsInterval);
                    }
                    // Sleeping never outlasts the next lease renewal: a relay that missed it could lose its
                    // lanes to another instance and still believe it owns them.
                    var untilLeaseWork = TimeSpan.FromSeconds(Math.Max(0, _nextLeaseWork - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                    if (_owned.Count == 0)
                    {
                        if (inFlight is { } orphan)
                        {
                            inFlight = null; // settled once, even if settling throws
                            await CompleteAsync(connection, orphan, delivered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ConfigureAwait(false);
                        }
                        await DeleteDeliveredAsync(connection, delivered).ConfigureAwait(false);
                        await outbox.Signal.WaitAsync(Min(_options.PollInterval, untilLeaseWork), stoppingToken).ConfigureAwait(false);
                        continue;
                    }
                    // Pipelined: the next rows are read (and the last round's delivered rows deleted) while the
                    // round in flight waits for the broker. The read leaves the in-flight rows out.
                    var rows = await _dialect.DeleteAndFetchAsync(connection, delivered, _owned, inFlight?.Sequences ?? [], _options.BatchSize, stoppingToken).ConfigureAwait(false);
                    delivered.Clear();
                    if (inFlight is { } settling)
                    {
                        inFlight = null; // settled once, even if settling throws
                        var clean = await CompleteAsync(connection, settling, delivered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ConfigureAwait(false);
                        stoppingToken.ThrowIfCancellationRequested();
                        if (!clean)
                        {
                            // A row failed or was abandoned: the rows just read may hold later rows of its key,
                            // which must wait for it (backoff) or be judged against it. They were not sent: read again.
                            continue;
                        }
                    }
                    var due = SelectDue(rows);
                    if (due.Count == 0)
                    {
                        if (delivered.Count > 0)
                        {
                            continue; // delete them (with the next read) before sleeping
                        }
                        // Nothing to do, or every row is waiting for its retry time: sleep until woken.
                        var idle = rows.Count == 0 ? _options.PollInterval : Min(_options.PollInterval, _options.RetryDelay);
                        await outbox.Signal.WaitAsync(Min(idle, untilLeaseWork), stoppingToken).ConfigureAwait(false);
                        continue;
                    }
                    inFlight = Start(due, stoppingToken);
                }
            }
            finally
            {
                // Stopping (or failing): settle the round in flight and delete what the broker acknowledged,
                // so a restart sends as little as possible twice.
                try
                {
                    if (inFlight is not null)
                    {
                        await CompleteAsync(connection, inFlight, delivered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ConfigureAwait(false);
                    }
                    await DeleteDeliveredAsync(connection, delivered).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DbException or InvalidOperationException or OperationCanceledException)
                {
                    // The connection is gone: the rows stay and are sent again (at-least-once).
                }
            }
        }
        finally
        {
            await listenerStop.CancelAsync().ConfigureAwait(false);
            try
            {
                await listener.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            if (stoppingToken.IsCancellationRequested)
            {
                await LeaveAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Heartbeat, renew, then grow or shrink to a fair share of the lanes among live relays.</summary>
    private async Task ManageLeasesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var lease = (long)_options.LeaseDuration.TotalMilliseconds;
        await _dialect.HeartbeatAsync(connection, _options.RelayId, nowMs, cancellationToken).ConfigureAwait(false);
        var relays = Math.Max(1, await _dialect.CountLiveRelaysAsync(connection, nowMs - lease, cancellationToken).ConfigureAwait(false));
        var owned = await _dialect.RenewAsync(connection, _options.RelayId, nowMs + lease, cancellationToken).ConfigureAwait(false);
        var share = (_options.Lanes + relays - 1) / relays;
        if (owned.Count > share)
        {
            var release = owned.Skip(share).ToList();
            await _dialect.ReleaseAsync(connection, _options.RelayId, release, cancellationToken).ConfigureAwait(false);
            owned = owned.Take(share).ToList();
        }
        else if (owned.Count < share)
        {
            owned.AddRange(await _dialect.AcquireAsync(connection, _options.RelayId, nowMs, nowMs + lease, share - owned.Count, cancellationToken).ConfigureAwait(false));
            owned.Sort();
        }
        if (!owned.SequenceEqual(_owned))
        {
            Log.LanesChanged(outbox.Logger, _options.RelayId, owned.Count, _options.Lanes, relays);
        }
        _owned = owned;
        _leaseValidUntil = Stopwatch.GetTimestamp() + Ticks(_options.LeaseDuration);
        await _dialect.RemoveRelayAsync(connection, "", nowMs - (10 * lease), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The rows that are due, in order, skipping keys held up by an earlier row in backoff.</summary>
    private static List<OutboxMessage> SelectDue(List<OutboxMessage> rows)
    {
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        HashSet<byte[]>? heldKeys = null;
        var due = new List<OutboxMessage>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Key is { } key && heldKeys is not null && heldKeys.Contains(key))
            {
                continue;
            }
            if (row.NextAttemptAtMs > nowMs)
            {
                if (row.Key is { } held)
                {
                    (heldKeys ??= new HashSet<byte[]>(ByteArrayComparer.Instance)).Add(held);
                }
                continue;
            }
            due.Add(row);
        }
        return due;
    }

    /// <summary>Sends a round's rows (in sequence order) and asks the transport to send them without lingering.</summary>
    private Round Start(List<OutboxMessage> due, CancellationToken stoppingToken)
    {
        // Broker waits end well before the lease does, so no other relay can take these lanes meanwhile.
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromTicks(Math.Max(1, (_leaseValidUntil - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency / 2)));
        var pending = new ValueTask<DeliveryResult>[due.Count];
        var sequences = new long[due.Count];
        for (var i = 0; i < due.Count; i++)
        {
            pending[i] = ProduceAsync(due[i], timeout.Token);
            sequences[i] = due[i].Sequence;
        }
        return new Round(due, sequences, pending, outbox.Bus.Transport.Producer.FlushAsync(timeout.Token).AsTask(), timeout);
    }

    /// <summary>
    /// Waits for a round's acknowledgements; adds the delivered rows to <paramref name="delivered"/>
    /// (deleted with the next read) and records failures. False when a row failed or was abandoned.
    /// </summary>
    private async Task<bool> CompleteAsync(DbConnection connection, Round round, List<long> delivered, long nowMs)
    {
        using var timeout = round.Timeout;
        var due = round.Rows;
        var first = delivered.Count;
        List<(OutboxMessage Row, Exception Error)>? failed = null;
        var abandoned = false;
        for (var i = 0; i < due.Count; i++)
        {
            try
            {
                await round.Pending[i].ConfigureAwait(false);
                delivered.Add(due[i].Sequence);
                OutboxMetrics.Delivered(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - due[i].CreatedAtMs);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                abandoned = true; // broker too slow or stopping: the row stays and is tried again
            }
            catch (Exception ex)
            {
                (failed ??= []).Add((due[i], ex));
            }
        }
        try
        {
            await round.Flush.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Failures are reported per row above; the flush only hurried the sends.
        }
        if (failed is not null)
        {
            var acknowledged = delivered.Skip(first).ToHashSet();
            foreach (var (row, error) in failed)
            {
                // Retrying a row whose key already has later rows on the log would put it after them:
                // such a row is parked at once, so the log never shows a key out of order.
                var overtaken = row.Key is { } key && due.Any(other =>
                    other.Sequence > row.Sequence && other.Key is { } otherKey && key.AsSpan().SequenceEqual(otherKey) && acknowledged.Contains(other.Sequence));
                await RecordFailureAsync(connection, row, error, nowMs, overtaken).ConfigureAwait(false);
            }
        }
        return failed is null && !abandoned;
    }

    private async Task DeleteDeliveredAsync(DbConnection connection, List<long> delivered)
    {
        await _dialect.DeleteAsync(connection, delivered, CancellationToken.None).ConfigureAwait(false);
        delivered.Clear();
    }

    private async ValueTask<DeliveryResult> ProduceAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        var bus = outbox.Bus;
        var partitions = row.MessageType is { } name && bus.Registry.TryGetByName(name, out var metadata)
            ? metadata.Partitions
            : bus.Configuration.DefaultPartitions;
        await bus.EnsureTopicAsync(row.Topic, partitions, cancellationToken).ConfigureAwait(false);
        var record = new OutgoingRecord(row.Topic, row.Key, row.Value, OutboxHeaders.Decode(row.Headers));
        return await bus.Transport.Producer.ProduceAsync(record, cancellationToken).ConfigureAwait(false);
    }

    private async Task RecordFailureAsync(DbConnection connection, OutboxMessage row, Exception error, long nowMs, bool overtaken)
    {
        var attempts = row.Attempts + 1;
        var reason = $"{error.GetType().Name}: {error.Message}";
        if (overtaken)
        {
            reason = "later messages of its key were delivered while it failed, so it cannot be retried in order; " + reason;
        }
        if (attempts >= _options.MaxDeliveryAttempts || overtaken)
        {
            Log.Parked(outbox.Logger, row.Sequence, row.MessageId, row.Topic, attempts, reason);
            await _dialect.RecordFailureAsync(connection, row.Sequence, attempts, null, nowMs, reason, CancellationToken.None).ConfigureAwait(false);
            return;
        }
        var delay = TimeSpan.FromTicks(Math.Min(_options.RetryDelay.Ticks * (1L << Math.Min(attempts - 1, 30)), _options.MaxRetryDelay.Ticks));
        Log.DeliveryFailed(outbox.Logger, error, row.Sequence, row.MessageId, row.Topic, attempts, delay);
        await _dialect.RecordFailureAsync(connection, row.Sequence, attempts, nowMs + (long)delay.TotalMilliseconds, null, reason, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>PostgreSQL: wake on NOTIFY from any instance's commit. A failure falls back to polling.</summary>
    private async Task ListenAsync(NpgsqlConnection template, CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = (NpgsqlConnection)((ICloneable)template).Clone();
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => outbox.Signal.Set();
                await using (var listen = new NpgsqlCommand("LISTEN " + PostgresOutboxDialect.Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                outbox.Signal.Set(); // rows committed before we listened
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenFailed(outbox.Logger, ex, _options.RelayId, _options.PollInterval);
                await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>Graceful stop: give the lanes back at once so other instances continue without waiting for the lease.</summary>
    private async Task LeaveAsync(DbConnection connection)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _dialect.ReleaseAllAsync(connection, _options.RelayId, timeout.Token).ConfigureAwait(false);
            await _dialect.RemoveRelayAsync(connection, _options.RelayId, 0, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or OperationCanceledException or InvalidOperationException)
        {
            // The leases expire on their own.
        }
        _owned = [];
    }

    /// <summary>Rows sent and not yet settled; owned by the relay loop (at most one at a time).</summary>
    private sealed record Round(List<OutboxMessage> Rows, long[] Sequences, ValueTask<DeliveryResult>[] Pending, Task Flush, CancellationTokenSource Timeout);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
