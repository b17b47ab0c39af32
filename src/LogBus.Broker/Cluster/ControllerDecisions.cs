using System.Collections.Immutable;

namespace LogBus.Broker.Cluster;

/// <summary>
/// What the active controller changes, given the current image and which brokers heartbeat: a pure
/// function (unit-tested without a cluster). Rules, as KRaft:
/// <list type="bullet">
/// <item>An unfenced broker that stopped heartbeating is fenced.</item>
/// <item>A fenced broker (dead, or re-registered after a restart) is removed from every ISR that has
/// another usable member, and loses leadership; the ISR never becomes empty (the last member stays,
/// the partition is leaderless until it returns: no unclean election).</item>
/// <item>A fenced broker that heartbeats is unfenced once no ISR that it shares with a usable broker
/// still names it (so a restarted replica re-enters ISRs only through the leader, after catching up).</item>
/// <item>A partition whose leader is unusable gets the first usable ISR member in replica order as
/// leader, with the leader epoch bumped; none usable: leader -1.</item>
/// </list>
/// </summary>
internal static class ControllerDecisions
{
    /// <summary>Computes the records to propose (empty when the image already matches the rules).</summary>
    public static IReadOnlyList<MetadataRecord> Compute(ClusterMetadataImage image, Func<int, bool> alive)
    {
        var records = new List<MetadataRecord>();
        bool Usable(int id) => image.Brokers.TryGetValue(id, out var b) && !b.Fenced && alive(id);

        foreach (var broker in image.Brokers.Values)
        {
            if (!broker.Fenced && !alive(broker.Id))
            {
                records.Add(new MetadataRecord { Type = MetadataRecordType.FenceBroker, BrokerId = broker.Id, Fenced = true });
            }
            else if (broker.Fenced && alive(broker.Id) && !StillInSharedIsr(image, broker.Id, Usable))
            {
                records.Add(new MetadataRecord { Type = MetadataRecordType.FenceBroker, BrokerId = broker.Id, Fenced = false });
            }
        }

        foreach (var topic in image.Topics.Values)
        {
            for (var p = 0; p < topic.Partitions.Length; p++)
            {
                var partition = topic.Partitions[p];
                var isr = partition.Isr.Where(Usable).ToImmutableArray();
                if (isr.IsEmpty)
                {
                    isr = partition.Isr; // never empty: the last members wait for their return
                }

                var leader = partition.Leader >= 0 && Usable(partition.Leader) && isr.Contains(partition.Leader)
                    ? partition.Leader
                    : partition.Replicas.FirstOrDefault(r => isr.Contains(r) && Usable(r), -1);
                if (leader != partition.Leader || !isr.SequenceEqual(partition.Isr))
                {
                    records.Add(new MetadataRecord
                    {
                        Type = MetadataRecordType.PartitionChange,
                        Topic = topic.Name,
                        Partition = p,
                        Leader = leader,
                        Isr = isr,
                        LeaderEpoch = leader != partition.Leader ? partition.LeaderEpoch + 1 : partition.LeaderEpoch,
                        ExpectedPartitionEpoch = partition.PartitionEpoch,
                    });
                }
            }
        }

        return records;
    }

    /// <summary>Replica sets for a new topic: round robin over the unfenced brokers (fenced ones when too few), starting at a rotating offset.</summary>
    /// <returns>The assignment, or null when fewer brokers than <paramref name="replicationFactor"/> are registered.</returns>
    public static ImmutableArray<ImmutableArray<int>>? Assign(ClusterMetadataImage image, int partitions, int replicationFactor, int seed)
    {
        var brokers = image.Brokers.Values.OrderBy(b => b.Fenced).ThenBy(b => b.Id).Select(b => b.Id).ToArray();
        if (replicationFactor <= 0 || brokers.Length < replicationFactor)
        {
            return null;
        }

        var live = image.Brokers.Values.Where(b => !b.Fenced).Select(b => b.Id).Order().ToArray();
        var pool = live.Length >= replicationFactor ? live : brokers.Order().ToArray();
        var start = (int)((uint)seed % (uint)pool.Length);
        var result = ImmutableArray.CreateBuilder<ImmutableArray<int>>(partitions);
        for (var p = 0; p < partitions; p++)
        {
            var replicas = ImmutableArray.CreateBuilder<int>(replicationFactor);
            for (var r = 0; r < replicationFactor; r++)
            {
                replicas.Add(pool[(start + p + r) % pool.Length]);
            }

            result.Add(replicas.MoveToImmutable());
        }

        return result.MoveToImmutable();
    }

    private static bool StillInSharedIsr(ClusterMetadataImage image, int broker, Func<int, bool> usable) =>
        image.Topics.Values.Any(t => t.Partitions.Any(p => p.Isr.Contains(broker) && p.Isr.Any(o => o != broker && usable(o))));
}
