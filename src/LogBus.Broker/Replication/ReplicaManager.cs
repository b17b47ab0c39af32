using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Threading.Channels;
using LogBus.Broker.Cluster;
using LogBus.Broker.Producers;
using LogBus.Broker.Server;
using LogBus.Broker.Storage;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Replication;

/// <summary>
/// Turns the cluster metadata into local replicas: creates the logs of partitions this broker is a
/// replica of, makes it leader or follower as the image says (starting and stopping
/// <see cref="ReplicaFetcher"/>s), and while leading keeps the ISR honest: followers lagging longer
/// than <see cref="ReplicationOptions.ReplicaLagTimeMax"/> are removed, caught-up unfenced followers
/// are added back (ISR changes go through the metadata quorum, guarded by the partition epoch).
/// </summary>
/// <remarks>
/// Threading: one reconcile task applies images in order (image changes are coalesced through a
/// one-slot channel) and checks ISR lag; request handlers read replicas concurrently.
/// </remarks>
internal sealed class ReplicaManager : IAsyncDisposable
{
    private readonly int _nodeId;
    private readonly LogManager _logs;
    private readonly ProducerStateManager _producers;
    private readonly ReplicationOptions _options;
    private readonly LogConfig _defaultConfig;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Topic, int Partition), PartitionReplica> _replicas = new();
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ClusterMetadataImage _applied = ClusterMetadataImage.Empty;
    private Task? _loop;

    public ReplicaManager(int nodeId, MetadataQuorum quorum, LogManager logs, ProducerStateManager producers, ReplicationOptions options, LogConfig defaultConfig, ILoggerFactory loggerFactory)
    {
        _defaultConfig = defaultConfig;
        _nodeId = nodeId;
        Quorum = quorum;
        _logs = logs;
        _producers = producers;
        _options = options;
        _logger = loggerFactory.CreateLogger("LogBus.Broker.Replication");
    }

    /// <summary>The metadata quorum member of this broker.</summary>
    public MetadataQuorum Quorum { get; }

    /// <summary>Replication settings.</summary>
    public ReplicationOptions Options => _options;

    /// <summary>This broker's node id.</summary>
    public int NodeId => _nodeId;

    /// <summary>Starts following the metadata.</summary>
    public void Start()
    {
        Quorum.ImageChanged += _ => _changed.Writer.TryWrite(true);
        _changed.Writer.TryWrite(true);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>This broker's replica of a partition, or null when it is not a replica (or the topic is unknown).</summary>
    public PartitionReplica? Get(string topic, int partition) => _replicas.GetValueOrDefault((topic, partition));

    /// <summary>
    /// Called by the Fetch handler for a follower's fetch of a partition this broker leads: updates the
    /// follower's position and the high watermark, and proposes adding the follower to the ISR when it
    /// caught up (and is not fenced).
    /// </summary>
    public void OnFollowerFetch(PartitionReplica replica, int replicaId, long fetchOffset)
    {
        if (replica.RecordFollowerFetch(replicaId, fetchOffset, _clock.ElapsedMilliseconds)
            && !replica.IsrChangeInFlight
            && Quorum.Image.Brokers.TryGetValue(replicaId, out var broker) && !broker.Fenced)
        {
            ProposeIsr(replica, replica.Isr.Add(replicaId));
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        foreach (var replica in _replicas.Values)
        {
            if (replica.Fetcher is { } fetcher)
            {
                await fetcher.DisposeAsync().ConfigureAwait(false);
                replica.Fetcher = null;
            }
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(token);
                tick.CancelAfter(200);
                try
                {
                    await _changed.Reader.ReadAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                }

                var image = Quorum.Image;
                if (!Quorum.IsCaughtUp)
                {
                    continue; // an old image (restart) must not make this broker act as a stale leader
                }

                if (!ReferenceEquals(image, _applied))
                {
                    await ReconcileAsync(image).ConfigureAwait(false);
                    _applied = image;
                }

                CheckLaggingFollowers();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StorageException or IOException or ObjectDisposedException)
            {
                _logger.LogError(e, "Applying cluster metadata failed; retrying");
            }
        }
    }

    private async Task ReconcileAsync(ClusterMetadataImage image)
    {
        foreach (var old in _applied.Topics.Values)
        {
            if (!image.Topics.TryGetValue(old.Name, out var current) || current.Id != old.Id)
            {
                await DropTopicAsync(old).ConfigureAwait(false);
            }
        }

        foreach (var topic in image.Topics.Values)
        {
            if (!topic.Partitions.Any(p => p.Replicas.Contains(_nodeId)))
            {
                continue;
            }

            EnsureLocalTopic(topic);
            for (var p = 0; p < topic.Partitions.Length; p++)
            {
                var info = topic.Partitions[p];
                if (!info.Replicas.Contains(_nodeId) || _logs.GetLog(topic.Name, p) is not { } log)
                {
                    continue;
                }

                var replica = _replicas.GetOrAdd((topic.Name, p), _ =>
                {
                    // A cluster replica's high watermark is set by replication, never by appends; after a
                    // restart it starts from its checkpoint (the log end may hold uncommitted data).
                    log.AutoAdvanceHighWatermark = false;
                    log.SetHighWatermark(log.HighWatermarkAtOpen >= 0 ? log.HighWatermarkAtOpen : log.LogStartOffset);
                    return new PartitionReplica(_nodeId, log);
                });
                if (replica.Update(info.Leader, info.LeaderEpoch, info.PartitionEpoch, info.Isr, _clock.ElapsedMilliseconds))
                {
                    await BecomeAsync(replica, info).ConfigureAwait(false);
                }
                else if (replica.IsLeader)
                {
                    replica.AdvanceHighWatermark(); // the ISR may have shrunk
                }
            }
        }
    }

    private async Task BecomeAsync(PartitionReplica replica, PartitionInfo info)
    {
        if (replica.Fetcher is { } fetcher)
        {
            replica.Fetcher = null;
            await fetcher.DisposeAsync().ConfigureAwait(false);
        }

        // The producer state is rebuilt from the log on the next idempotent produce: as a follower the
        // log grew without it, so a new leader deduplicates retries of batches it replicated.
        _producers.Reset(replica.Log, deleteSnapshot: false);
        if (info.Leader == _nodeId)
        {
            _logger.LogInformation("Leading {Topic}-{Partition} in epoch {Epoch} (ISR {Isr}, log end {End}, high watermark {Hw})",
                replica.Log.Topic, replica.Log.Partition, info.LeaderEpoch, string.Join(",", info.Isr), replica.Log.LogEndOffset, replica.Log.HighWatermark);
            replica.AdvanceHighWatermark();
        }
        else if (info.Leader >= 0)
        {
            _logger.LogInformation("Following {Leader} for {Topic}-{Partition} in epoch {Epoch}", info.Leader, replica.Log.Topic, replica.Log.Partition, info.LeaderEpoch);
            replica.Fetcher = new ReplicaFetcher(_nodeId, replica.Log, info.Leader, info.LeaderEpoch, _producers, Endpoint, _options.FetchMaxBytes, _logger);
        }
    }

    private (string Host, int Port)? Endpoint(int broker) =>
        Quorum.Image.Brokers.TryGetValue(broker, out var info) ? (info.Host, info.Port) : null;

    private void EnsureLocalTopic(TopicInfo topic)
    {
        var existing = _logs.GetTopic(topic.Name);
        if (existing is not null && existing.Partitions >= topic.Partitions.Length)
        {
            return;
        }

        if (existing is not null)
        {
            _logs.AddPartitions(topic.Name, topic.Partitions.Length);
            return;
        }

        var config = _defaultConfig;
        foreach (var (name, value) in topic.Configs)
        {
            TopicConfigs.TryApply(ref config, name, value, out _);
        }

        _logs.TryCreateTopic(topic.Name, topic.Partitions.Length, config, out _);
    }

    private async Task DropTopicAsync(TopicInfo topic)
    {
        for (var p = 0; p < topic.Partitions.Length; p++)
        {
            if (_replicas.TryRemove((topic.Name, p), out var replica))
            {
                replica.Update(-1, int.MaxValue, int.MaxValue, [], _clock.ElapsedMilliseconds);
                if (replica.Fetcher is { } fetcher)
                {
                    replica.Fetcher = null;
                    await fetcher.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        if (_logs.GetTopic(topic.Name) is { } local)
        {
            _producers.RemoveTopic(topic.Name, local.Partitions);
            _logs.DeleteTopic(topic.Name);
        }
    }

    private void CheckLaggingFollowers()
    {
        var now = _clock.ElapsedMilliseconds;
        var lagMax = (long)_options.ReplicaLagTimeMax.TotalMilliseconds;
        foreach (var replica in _replicas.Values)
        {
            if (!replica.IsLeader || replica.IsrChangeInFlight)
            {
                continue;
            }

            var lagging = replica.LaggingFollowers(now, lagMax);
            if (lagging.Count > 0)
            {
                _logger.LogInformation("Shrinking the ISR of {Topic}-{Partition}: followers {Lagging} lag more than {LagMax} ms", replica.Log.Topic, replica.Log.Partition, string.Join(",", lagging), lagMax);
                ProposeIsr(replica, replica.Isr.RemoveRange(lagging));
            }
        }
    }

    private void ProposeIsr(PartitionReplica replica, ImmutableArray<int> isr)
    {
        replica.IsrChangeInFlight = true;
        var record = new MetadataRecord
        {
            Type = MetadataRecordType.PartitionChange,
            Topic = replica.Log.Topic,
            Partition = replica.Log.Partition,
            Leader = _nodeId,
            Isr = isr,
            LeaderEpoch = replica.LeaderEpoch,
            ExpectedPartitionEpoch = replica.PartitionEpoch,
        };
        _ = Task.Run(async () =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await Quorum.SubmitAsync(record, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                // Applied (Update cleared the flag) or lost: either way the next check may propose again.
                replica.IsrChangeInFlight = false;
                _changed.Writer.TryWrite(true);
            }
        });
    }
}
