using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace LogBus.Broker.Storage;

internal sealed partial class LogManager
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Largest topic name length (Kafka's limit, leaving room for "-partition" in directory names).</summary>
    public const int MaxTopicNameLength = 249;

    /// <summary>True when <paramref name="name"/> is a legal topic name: 1-249 of [a-zA-Z0-9._-], not "." or "..".</summary>
    public static bool IsValidTopicName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxTopicNameLength || name is "." or "..")
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Creates a topic with <paramref name="partitions"/> empty partitions. The partition directories
    /// are created first and the configuration file (written atomically) commits the topic. False when
    /// the topic exists.
    /// </summary>
    public bool TryCreateTopic(string name, int partitions, LogConfig? config, out TopicDescription description)
    {
        if (!IsValidTopicName(name))
        {
            throw new ArgumentException($"Invalid topic name '{name}': use 1-{MaxTopicNameLength} of [a-zA-Z0-9._-].", nameof(name));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        config ??= _options.DefaultLogConfig;
        config.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_topicsLock)
        {
            if (_topics.TryGetValue(name, out var existing))
            {
                description = existing.Description;
                return false;
            }
            description = new TopicDescription(name, Guid.NewGuid(), partitions, config);
            var state = new TopicState(description);
            try
            {
                for (var p = 0; p < partitions; p++)
                {
                    var directory = PartitionDirectory(name, p);
                    if (Directory.Exists(directory))
                    {
                        if (!HoldsOnlyLogFiles(directory))
                        {
                            throw new StorageException(directory, "a directory with this partition's name holds files that are not log files");
                        }
                        Directory.Delete(directory, recursive: true); // leftover of an interrupted create/delete
                    }
                    state.Logs[p] = PartitionLog.Open(directory, name, p, config, cleanShutdown: false, _options.TimeProvider, _options.Faults);
                }
                FileSystemSync.SyncDirectory(DataDirectory);
                WriteTopicFile(description);
            }
            catch
            {
                foreach (var log in state.Logs)
                {
                    log?.Delete();
                }
                throw;
            }
            _topics[name] = state;
            return true;
        }
    }

    /// <summary>
    /// Deletes a topic: its configuration file goes first (the commit point), then every partition is
    /// closed and its directory removed. Readers holding regions keep them until they dispose them.
    /// False when the topic does not exist.
    /// </summary>
    public bool DeleteTopic(string name)
    {
        lock (_topicsLock)
        {
            if (!_topics.TryRemove(name, out var state))
            {
                return false;
            }
            var path = TopicFilePath(name);
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _topics[name] = state;
                throw new StorageException(path, $"cannot delete topic configuration: {e.Message}", e);
            }
            FileSystemSync.SyncDirectory(TopicsDirectory);
            foreach (var log in state.Logs)
            {
                log?.Delete();
            }
            FileSystemSync.SyncDirectory(DataDirectory);
            return true;
        }
    }

    /// <summary>Replaces a topic's configuration durably and applies it to its partitions. False when the topic does not exist.</summary>
    public bool UpdateTopicConfig(string name, LogConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        lock (_topicsLock)
        {
            if (!_topics.TryGetValue(name, out var state))
            {
                return false;
            }
            var description = state.Description with { Config = config };
            WriteTopicFile(description);
            state.Description = description;
            foreach (var log in state.Logs)
            {
                if (log is not null)
                {
                    log.Config = config;
                }
            }
            return true;
        }
    }

    /// <summary>Grows a topic to <paramref name="partitions"/> partitions (CreatePartitions). False when the topic does not exist.</summary>
    public bool AddPartitions(string name, int partitions)
    {
        lock (_topicsLock)
        {
            if (!_topics.TryGetValue(name, out var state))
            {
                return false;
            }
            var old = state.Description;
            if (partitions <= old.Partitions)
            {
                throw new ArgumentException($"Topic '{name}' already has {old.Partitions} partitions.", nameof(partitions));
            }
            var logs = new PartitionLog?[partitions];
            Array.Copy(state.Logs, logs, old.Partitions);
            for (var p = old.Partitions; p < partitions; p++)
            {
                logs[p] = PartitionLog.Open(PartitionDirectory(name, p), name, p, old.Config, cleanShutdown: false, _options.TimeProvider, _options.Faults);
            }
            var description = old with { Partitions = partitions };
            WriteTopicFile(description);
            state.Description = description;
            state.Logs = logs;
            return true;
        }
    }

    private string TopicFilePath(string name) => Path.Combine(TopicsDirectory, name + ".json");

    private void WriteTopicFile(TopicDescription description) =>
        FileSystemSync.WriteAtomically(TopicFilePath(description.Name), JsonSerializer.SerializeToUtf8Bytes(description, JsonOptions));

    private List<TopicDescription> ReadTopicFiles()
    {
        var topics = new List<TopicDescription>();
        foreach (var path in Directory.EnumerateFiles(TopicsDirectory))
        {
            if (path.EndsWith(".tmp", StringComparison.Ordinal))
            {
                File.Delete(path);
                continue;
            }
            if (!path.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }
            TopicDescription? description;
            try
            {
                description = JsonSerializer.Deserialize<TopicDescription>(File.ReadAllBytes(path), JsonOptions);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                throw new StorageException(path, $"cannot read topic configuration: {e.Message}", e);
            }
            if (description is null || !IsValidTopicName(description.Name) || description.Partitions < 1
                || Path.GetFileNameWithoutExtension(path) != description.Name || description.Config is null)
            {
                throw new StorageException(path, "topic configuration is invalid");
            }
            description.Config.Validate();
            topics.Add(description);
        }
        return topics;
    }

    /// <summary>Removes partition directories that belong to no topic (an interrupted create or delete).</summary>
    private void RemoveOrphanDirectories(List<TopicDescription> topics)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            for (var p = 0; p < topic.Partitions; p++)
            {
                expected.Add(PartitionLog.DirectoryName(topic.Name, p));
            }
        }
        foreach (var directory in Directory.EnumerateDirectories(DataDirectory))
        {
            var name = Path.GetFileName(directory);
            if (name == TopicsDirectoryName || expected.Contains(name) || !LooksLikePartitionDirectory(name))
            {
                continue;
            }
            if (!HoldsOnlyLogFiles(directory))
            {
                _logger.LogWarning("Ignoring directory {Directory}: named like a partition of no topic, but holds other files", directory);
                continue;
            }
            _logger.LogWarning("Removing partition directory {Directory}: no topic configuration owns it", directory);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>True when a directory holds nothing but files this engine writes (so removing it loses nothing else).</summary>
    private static bool HoldsOnlyLogFiles(string directory)
    {
        if (Directory.EnumerateDirectories(directory).Any())
        {
            return false;
        }
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var extension = Path.GetExtension(file);
            if (extension is not (".log" or ".index" or ".timeindex" or ".checkpoint" or ".tmp"))
            {
                return false;
            }
        }
        return true;
    }

    private static bool LooksLikePartitionDirectory(string name)
    {
        var dash = name.LastIndexOf('-');
        return dash > 0 && dash < name.Length - 1 && IsValidTopicName(name[..dash])
            && name.AsSpan(dash + 1).IndexOfAnyExceptInRange('0', '9') < 0;
    }
}
