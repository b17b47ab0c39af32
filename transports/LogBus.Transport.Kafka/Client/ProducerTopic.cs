namespace LogBus.Transport.Kafka.Client;

/// <summary>The producer's per-topic state: partition accumulators and the sticky partition for keyless records.</summary>
internal sealed class ProducerTopic
{
    private int _sticky;

    public ProducerTopic(string name, int partitions)
    {
        Name = name;
        Partitions = new PartitionAccumulator[partitions];
        for (var i = 0; i < partitions; i++)
        {
            Partitions[i] = new PartitionAccumulator(name, i);
        }
        _sticky = partitions == 1 ? 0 : Random.Shared.Next(partitions);
    }

    public string Name { get; }

    public PartitionAccumulator[] Partitions { get; }

    /// <summary>
    /// The partition keyless records go to until its batch closes (Kafka's sticky partitioner: fuller
    /// batches, fewer requests, still an even spread over time).
    /// </summary>
    public int StickyPartition => Volatile.Read(ref _sticky);

    /// <summary>Moves the sticky partition on after <paramref name="closed"/>'s batch closed.</summary>
    public void OnBatchClosed(int closed)
    {
        var n = Partitions.Length;
        if (n > 1 && Volatile.Read(ref _sticky) == closed)
        {
            var next = Random.Shared.Next(n - 1);
            Interlocked.CompareExchange(ref _sticky, next >= closed ? next + 1 : next, closed);
        }
    }
}
