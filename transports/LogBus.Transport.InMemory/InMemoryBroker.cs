using System.Collections.Concurrent;
using LogBus.Transport.InMemory.Internal;

namespace LogBus.Transport.InMemory;

/// <summary>
/// An in-process log: topics of partitions of records addressed by offset, and consumer groups with
/// committed offsets. Thread-safe. Share one between several buses to simulate several instances.
/// </summary>
public sealed class InMemoryBroker
{
    private readonly ConcurrentDictionary<string, InMemoryTopic> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InMemoryGroup> _groups = new(StringComparer.Ordinal);
    private readonly Lock _topicGate = new();
    private readonly InMemoryProducer _producer;

    /// <summary>Creates an empty broker.</summary>
    public InMemoryBroker(InMemoryBrokerOptions? options = null)
    {
        Options = options ?? new InMemoryBrokerOptions();
        Options.Validate();
        _producer = new InMemoryProducer(this);
    }

    /// <summary>The broker's limits.</summary>
    public InMemoryBrokerOptions Options { get; }

    /// <summary>Names of the existing topics.</summary>
    public IReadOnlyCollection<string> Topics => _topics.Keys.ToArray();

    /// <summary>Creates a topic unless it exists; returns its partition count.</summary>
    public int CreateTopic(string name, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (_topics.TryGetValue(name, out var existing))
        {
            return existing.Partitions.Length;
        }
        InMemoryTopic created;
        lock (_topicGate)
        {
            if (_topics.TryGetValue(name, out existing))
            {
                return existing.Partitions.Length;
            }
            created = new InMemoryTopic(name, partitions, Options);
            _topics[name] = created;
        }
        // Groups that subscribed before the topic existed now get its partitions.
        foreach (var group in _groups.Values)
        {
            group.OnTopicCreated(name);
        }
        return created.Partitions.Length;
    }

    /// <summary>The offset of the first record still kept in a partition.</summary>
    public long GetStartOffset(string topic, int partition) => GetPartition(topic, partition).StartOffset;

    /// <summary>The offset the next record appended to a partition gets.</summary>
    public long GetEndOffset(string topic, int partition) => GetPartition(topic, partition).EndOffset;

    /// <summary>Number of partitions of a topic.</summary>
    public int GetPartitionCount(string topic) => GetTopic(topic).Partitions.Length;

    /// <summary>A group's committed position (next offset to read) of a partition, or null.</summary>
    public long? GetCommittedOffset(string groupId, string topic, int partition) =>
        _groups.TryGetValue(groupId, out var group) ? group.GetCommitted(new TopicPartition(topic, partition)) : null;

    /// <summary>Reads up to <paramref name="maxRecords"/> records of a partition from <paramref name="offset"/>.</summary>
    public IReadOnlyList<LogRecord> Read(string topic, int partition, long offset, int maxRecords)
    {
        var records = new List<LogRecord>();
        var log = GetPartition(topic, partition);
        while (records.Count < maxRecords && offset < log.EndOffset)
        {
            var before = records.Count;
            offset = log.Read(offset, maxRecords - records.Count, records);
            if (records.Count == before)
            {
                break;
            }
        }
        return records;
    }

    /// <summary>
    /// Appends a record directly, as a producer that does not use LogBus would (no envelope unless you add
    /// the headers). Keyed records go to the partition Kafka's murmur2 picks.
    /// </summary>
    public DeliveryResult Append(OutgoingRecord record) => _producer.Produce(record);

    internal InMemoryGroup GetGroup(string groupId) => _groups.GetOrAdd(groupId, id => new InMemoryGroup(id, this));

    internal bool TryGetTopic(string name, out InMemoryTopic topic) => _topics.TryGetValue(name, out topic!);

    internal InMemoryTopic GetTopic(string name) =>
        _topics.TryGetValue(name, out var topic) ? topic : throw new UnknownTopicException(name);

    private InMemoryPartition GetPartition(string topic, int partition)
    {
        var partitions = GetTopic(topic).Partitions;
        return (uint)partition < (uint)partitions.Length
            ? partitions[partition]
            : throw new ArgumentOutOfRangeException(nameof(partition), $"Topic '{topic}' has {partitions.Length} partition(s).");
    }
}
