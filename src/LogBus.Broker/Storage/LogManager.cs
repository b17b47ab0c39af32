using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Broker.Storage;

/// <summary>
/// Owns a data directory: opens every partition log at startup (in parallel, recovering after a crash),
/// creates and deletes topics, persists per-topic configuration, and runs the background work
/// (retention, recovery-point checkpoints) until disposed.
/// </summary>
/// <remarks>
/// <para>Layout: <c>&lt;data&gt;/&lt;topic&gt;-&lt;partition&gt;/</c> partition directories,
/// <c>&lt;data&gt;/.topics/&lt;topic&gt;.json</c> topic configurations (the commit point of a topic's
/// existence: partition directories without one are leftovers of an interrupted create or delete and
/// are removed at startup), <c>&lt;data&gt;/.lock</c> held exclusively while open (a second broker on the
/// same directory fails to open), <c>&lt;data&gt;/.clean-shutdown</c> written by <see cref="Dispose"/>
/// after everything is flushed and removed at open before anything can be appended.</para>
/// <para>Thread-safety: all members may be called concurrently; topic create/delete/alter serialize.</para>
/// </remarks>
internal sealed partial class LogManager : IDisposable
{
    /// <summary>Lock file name in the data directory.</summary>
    public const string LockFileName = ".lock";

    /// <summary>Clean-shutdown marker file name in the data directory.</summary>
    public const string CleanShutdownFileName = ".clean-shutdown";

    /// <summary>Directory of topic configuration files.</summary>
    public const string TopicsDirectoryName = ".topics";

    private readonly StorageOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly object _topicsLock = new();
    private readonly CancellationTokenSource _stop = new();
    private FileStream? _lockFile;
    private Task _background = Task.CompletedTask;
    private int _disposed;

    private LogManager(StorageOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
        TopicsDirectory = Path.Combine(DataDirectory, TopicsDirectoryName);
    }

    /// <summary>The data directory (absolute).</summary>
    public string DataDirectory { get; }

    private string TopicsDirectory { get; }

    /// <summary>True when the clean-shutdown marker was found at open (no partition was scanned).</summary>
    public bool OpenedAfterCleanShutdown { get; private set; }

    /// <summary>Names of the existing topics.</summary>
    public IReadOnlyCollection<string> TopicNames => _topics.Keys.ToArray();

    /// <summary>
    /// Opens <see cref="StorageOptions.DataDirectory"/> (creating it when missing), taking its lock and
    /// opening all partitions with up to <see cref="StorageOptions.RecoveryThreads"/> in parallel.
    /// </summary>
    /// <exception cref="StorageException">The directory is locked by another broker, unreadable, or a
    /// topic configuration is corrupt.</exception>
    public static async Task<LogManager> OpenAsync(StorageOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new ArgumentException("StorageOptions.DataDirectory is required.", nameof(options));
        }
        options.DefaultLogConfig.Validate();
        var manager = new LogManager(options, logger ?? NullLogger.Instance);
        try
        {
            await manager.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            manager.CloseWithoutMarker();
            throw;
        }
        manager._background = Task.Run(() => manager.BackgroundLoopAsync(manager._stop.Token), CancellationToken.None);
        return manager;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(DataDirectory);
            Directory.CreateDirectory(TopicsDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(DataDirectory, $"cannot create data directory: {e.Message}", e);
        }
        var lockPath = Path.Combine(DataDirectory, LockFileName);
        try
        {
            _lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new StorageException(lockPath, "data directory is in use by another broker (cannot lock it)", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageException(lockPath, $"cannot lock data directory: {e.Message}", e);
        }
        var markerPath = Path.Combine(DataDirectory, CleanShutdownFileName);
        var clean = File.Exists(markerPath);
        OpenedAfterCleanShutdown = clean;

        List<TopicDescription> topics;
        try
        {
            topics = ReadTopicFiles();
            RemoveOrphanDirectories(topics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not StorageException)
        {
            throw new StorageException(DataDirectory, $"cannot read the data directory: {e.Message}", e);
        }
        var work = new List<(TopicState State, int Partition)>();
        foreach (var description in topics)
        {
            var state = new TopicState(description);
            _topics[description.Name] = state;
            for (var p = 0; p < description.Partitions; p++)
            {
                work.Add((state, p));
            }
        }
        await Parallel.ForEachAsync(work, new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, _options.RecoveryThreads),
            CancellationToken = cancellationToken,
        }, (item, _) =>
        {
            var description = item.State.Description;
            item.State.Logs[item.Partition] = PartitionLog.Open(
                PartitionDirectory(description.Name, item.Partition), description.Name, item.Partition,
                description.Config, clean, _options.TimeProvider, _options.Faults);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        foreach (var (state, partition) in work)
        {
            var recovery = state.Logs[partition]!.Recovery;
            if (!recovery.CleanShutdown && recovery.BytesTruncated > 0)
            {
                _logger.LogWarning("Recovered {Topic}-{Partition}: truncated {Bytes} bytes after the last intact batch",
                    state.Description.Name, partition, recovery.BytesTruncated);
            }
        }
        // From here on appends may happen: a crash must not find the marker.
        if (clean)
        {
            try
            {
                File.Delete(markerPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageException(markerPath, $"cannot remove clean-shutdown marker: {e.Message}", e);
            }
            FileSystemSync.SyncDirectory(DataDirectory);
        }
    }

    /// <summary>The partition log, or null when the topic or partition does not exist.</summary>
    public PartitionLog? GetLog(string topic, int partition)
    {
        if (_topics.TryGetValue(topic, out var state) && partition >= 0 && partition < state.Logs.Length)
        {
            return Volatile.Read(ref state.Logs[partition]);
        }
        return null;
    }

    /// <summary>The topic's description, or null when it does not exist.</summary>
    public TopicDescription? GetTopic(string topic) => _topics.TryGetValue(topic, out var state) ? state.Description : null;

    /// <summary>
    /// Deletes segments past retention in every partition (also run by the background loop every
    /// <see cref="StorageOptions.RetentionCheckInterval"/>). Returns the number of segments deleted.
    /// </summary>
    public int EnforceRetention()
    {
        var deleted = 0;
        foreach (var log in AllLogs())
        {
            try
            {
                deleted += log.DeleteRetainedSegments();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _logger.LogError(e, "Retention failed for {Topic}-{Partition}", log.Topic, log.Partition);
            }
        }
        return deleted;
    }

    /// <summary>Checkpoints every partition's recovery point and log start offset (also run periodically).</summary>
    public void CheckpointAll()
    {
        foreach (var log in AllLogs())
        {
            try
            {
                log.WriteCheckpoint();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _logger.LogError(e, "Checkpoint failed for {Topic}-{Partition}", log.Topic, log.Partition);
            }
        }
    }

    private IEnumerable<PartitionLog> AllLogs()
    {
        foreach (var state in _topics.Values)
        {
            foreach (var log in state.Logs)
            {
                if (log is not null && !log.IsClosed)
                {
                    yield return log;
                }
            }
        }
    }

    private async Task BackgroundLoopAsync(CancellationToken stop)
    {
        var retentionEvery = _options.RetentionCheckInterval;
        var checkpointEvery = _options.RecoveryPointCheckpointInterval;
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, Math.Min(retentionEvery.Ticks, checkpointEvery.Ticks)));
        using var timer = new PeriodicTimer(tick);
        var nextRetention = Environment.TickCount64 + (long)retentionEvery.TotalMilliseconds;
        var nextCheckpoint = Environment.TickCount64 + (long)checkpointEvery.TotalMilliseconds;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                if (now >= nextRetention)
                {
                    EnforceRetention();
                    nextRetention = now + (long)retentionEvery.TotalMilliseconds;
                }
                if (now >= nextCheckpoint)
                {
                    CheckpointAll();
                    nextCheckpoint = now + (long)checkpointEvery.TotalMilliseconds;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    /// <summary>
    /// Stops the background loop, closes every partition cleanly (index files written, everything
    /// fsynced, recovery points at the log ends), then writes the clean-shutdown marker, and releases
    /// the directory lock. The marker is skipped when any partition failed to close cleanly.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        try
        {
            _background.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        var allClean = true;
        Exception? first = null;
        foreach (var log in AllLogs().ToList())
        {
            try
            {
                var failed = log.Failure is not null;
                log.Dispose();
                allClean &= !failed;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                allClean = false;
                first ??= e;
                _logger.LogError(e, "Closing {Topic}-{Partition} failed", log.Topic, log.Partition);
            }
        }
        try
        {
            if (allClean)
            {
                FileSystemSync.WriteAtomically(Path.Combine(DataDirectory, CleanShutdownFileName), "clean\n"u8);
            }
        }
        finally
        {
            _lockFile?.Dispose();
            _stop.Dispose();
        }
        if (first is not null)
        {
            throw new StorageException(DataDirectory, $"closing the log manager failed: {first.Message}", first);
        }
    }

    private void CloseWithoutMarker()
    {
        Interlocked.Exchange(ref _disposed, 1);
        foreach (var state in _topics.Values)
        {
            foreach (var log in state.Logs)
            {
                log?.Dispose();
            }
        }
        _lockFile?.Dispose();
    }

    private string PartitionDirectory(string topic, int partition) => Path.Combine(DataDirectory, PartitionLog.DirectoryName(topic, partition));

    private sealed class TopicState(TopicDescription description)
    {
        public TopicDescription Description { get; set; } = description;

        public PartitionLog?[] Logs { get; set; } = new PartitionLog?[description.Partitions];
    }
}
