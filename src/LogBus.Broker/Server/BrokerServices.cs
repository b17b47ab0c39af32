using LogBus.Broker.Groups;
using LogBus.Broker.Producers;
using LogBus.Broker.Storage;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Server;

/// <summary>
/// The broker-wide services handlers use: storage, cluster metadata, producer state, clock, logging
/// and options. Created by <see cref="LogBusBroker"/> once the data directory is open; lives until the
/// broker stops. All members are thread-safe.
/// </summary>
internal sealed class BrokerServices
{
    public BrokerServices(
        LogBusBrokerOptions options,
        LogManager logs,
        BrokerMetadata metadata,
        ProducerStateManager producers,
        ProducerIdAllocator producerIds,
        ILoggerFactory loggerFactory,
        CancellationToken stopping)
    {
        Options = options;
        Logs = logs;
        Metadata = metadata;
        Producers = producers;
        ProducerIds = producerIds;
        LoggerFactory = loggerFactory;
        Stopping = stopping;
    }

    /// <summary>The broker options (read-only after start).</summary>
    public LogBusBrokerOptions Options { get; }

    /// <summary>The log manager: topics and partition logs.</summary>
    public LogManager Logs { get; }

    /// <summary>Who this broker is (node id, advertised endpoint, cluster id).</summary>
    public BrokerMetadata Metadata { get; }

    /// <summary>Idempotent producer state per partition.</summary>
    public ProducerStateManager Producers { get; }

    /// <summary>Hands out producer ids.</summary>
    public ProducerIdAllocator ProducerIds { get; }

    /// <summary>The group coordinator (consumer groups, committed offsets); null when not running.</summary>
    public GroupCoordinator? Groups { get; init; }

    /// <summary>The transaction coordinator (transactional producers); null when not running.</summary>
    public Transactions.TransactionCoordinator? Transactions { get; init; }

    /// <summary>Partition replication and cluster metadata; null on a single-node broker.</summary>
    public Replication.ReplicaManager? Replicas { get; init; }

    /// <summary>The clock.</summary>
    public TimeProvider Time => Options.TimeProvider;

    /// <summary>Creates loggers for handlers.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Fires when the broker begins to stop.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>The leader epoch this single-node broker appends in.</summary>
    public const int LeaderEpoch = 0;
}
