namespace LogBus.Transport.InMemory.Internal;

/// <summary>A topic: a fixed array of partitions.</summary>
internal sealed class InMemoryTopic
{
    private int _roundRobin = -1;

    public InMemoryTopic(string name, int partitions, InMemoryBrokerOptions options)
    {
        Name = name;
        Partitions = new InMemoryPartition[partitions];
        for (var i = 0; i < partitions; i++)
        {
            Partitions[i] = new InMemoryPartition(name, i, options);
        }
    }

    public string Name { get; }

    public InMemoryPartition[] Partitions { get; }

    /// <summary>Partition for a keyless record: round-robin.</summary>
    public int NextPartition() => (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)Partitions.Length);
}
