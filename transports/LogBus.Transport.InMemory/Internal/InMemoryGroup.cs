namespace LogBus.Transport.InMemory.Internal;

/// <summary>
/// A consumer group: members, the target assignment, the current owner of each partition, and
/// committed offsets. A partition moves between members in two steps: the old owner revokes it (drains,
/// commits) and releases it, then the new owner acquires it and starts at the committed offset; no two
/// members ever own a partition at once.
/// </summary>
internal sealed class InMemoryGroup(string id, InMemoryBroker broker)
{
    private readonly Lock _gate = new();
    private readonly List<InMemoryConsumer> _members = [];
    private readonly Dictionary<InMemoryConsumer, string[]> _subscriptions = [];
    private readonly Dictionary<InMemoryConsumer, HashSet<TopicPartition>> _targets = [];
    private readonly Dictionary<TopicPartition, InMemoryConsumer> _owners = [];
    private readonly Dictionary<TopicPartition, long> _committed = [];

    public string Id { get; } = id;

    public int Generation { get; private set; }

    public void Join(InMemoryConsumer member, IReadOnlyCollection<string> topics)
    {
        lock (_gate)
        {
            _members.Add(member);
            _subscriptions[member] = topics.ToArray();
            Rebalance();
        }
    }

    public void Leave(InMemoryConsumer member)
    {
        lock (_gate)
        {
            if (!_members.Remove(member))
            {
                return;
            }
            _subscriptions.Remove(member);
            _targets.Remove(member);
            foreach (var partition in _owners.Where(o => ReferenceEquals(o.Value, member)).Select(o => o.Key).ToList())
            {
                _owners.Remove(partition);
            }
            Rebalance();
        }
    }

    public void OnTopicCreated(string topic)
    {
        lock (_gate)
        {
            if (_subscriptions.Values.Any(topics => topics.Contains(topic, StringComparer.Ordinal)))
            {
                Rebalance();
            }
        }
    }

    /// <summary>What a member must give up (owned, no longer targeted) and may take now (targeted and free).</summary>
    public (List<TopicPartition> Revoke, List<TopicPartition> Assign) Plan(InMemoryConsumer member, IReadOnlyCollection<TopicPartition> owned)
    {
        lock (_gate)
        {
            var target = _targets.GetValueOrDefault(member) ?? [];
            var revoke = owned.Where(p => !target.Contains(p)).ToList();
            var assign = target.Where(p => !owned.Contains(p) && !_owners.ContainsKey(p)).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            return (revoke, assign);
        }
    }

    /// <summary>Takes ownership of free partitions still targeted at the member; returns those taken.</summary>
    public List<TopicPartition> Acquire(InMemoryConsumer member, IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            var target = _targets.GetValueOrDefault(member);
            var taken = new List<TopicPartition>();
            foreach (var partition in partitions)
            {
                if (target is not null && target.Contains(partition) && !_owners.ContainsKey(partition))
                {
                    _owners[partition] = member;
                    taken.Add(partition);
                }
            }
            return taken;
        }
    }

    /// <summary>Gives up ownership after revocation, and wakes members waiting for those partitions.</summary>
    public void Release(InMemoryConsumer member, IEnumerable<TopicPartition> partitions)
    {
        InMemoryConsumer[] members;
        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                if (_owners.TryGetValue(partition, out var owner) && ReferenceEquals(owner, member))
                {
                    _owners.Remove(partition);
                }
            }
            members = [.. _members];
        }
        foreach (var other in members)
        {
            other.Signal.Set();
        }
    }

    public void Commit(InMemoryConsumer member, IReadOnlyList<TopicPartitionOffset> offsets)
    {
        lock (_gate)
        {
            foreach (var offset in offsets)
            {
                if (!_owners.TryGetValue(offset.TopicPartition, out var owner) || !ReferenceEquals(owner, member))
                {
                    throw new CommitFailedException($"Group '{Id}': {offset.TopicPartition} is not owned by this member; it was reassigned.");
                }
            }
            foreach (var offset in offsets)
            {
                _committed[offset.TopicPartition] = offset.Offset;
            }
        }
    }

    public long? GetCommitted(TopicPartition partition)
    {
        lock (_gate)
        {
            return _committed.TryGetValue(partition, out var offset) ? offset : null;
        }
    }

    // Under _gate: a new generation with a balanced target: each partition goes to the subscribed member
    // with the fewest partitions so far (ties: earliest joined).
    private void Rebalance()
    {
        Generation++;
        _targets.Clear();
        foreach (var member in _members)
        {
            _targets[member] = [];
        }
        var topics = _subscriptions.Values.SelectMany(t => t).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            if (!broker.TryGetTopic(topic, out var log))
            {
                continue;
            }
            var candidates = _members.Where(m => _subscriptions[m].Contains(topic, StringComparer.Ordinal)).ToList();
            for (var p = 0; p < log.Partitions.Length && candidates.Count > 0; p++)
            {
                var chosen = candidates.MinBy(m => _targets[m].Count)!;
                _targets[chosen].Add(new TopicPartition(topic, p));
            }
        }
        foreach (var member in _members)
        {
            member.Signal.Set();
        }
    }
}
