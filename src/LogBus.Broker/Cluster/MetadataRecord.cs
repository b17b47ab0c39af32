using System.Collections.Immutable;

namespace LogBus.Broker.Cluster;

/// <summary>
/// One command of the cluster metadata log. One class for every kind (fields used depend on
/// <see cref="Type"/>), encoded by <see cref="MetadataCodec"/>. Records carry results, not intentions:
/// the controller decides (who leads, which ISR) before proposing, so applying a record is
/// deterministic on every node.
/// </summary>
internal sealed record MetadataRecord
{
    /// <summary>The kind of record.</summary>
    public required MetadataRecordType Type { get; init; }

    /// <summary>RegisterBroker, FenceBroker: the broker.</summary>
    public int BrokerId { get; init; }

    /// <summary>RegisterBroker: advertised host.</summary>
    public string Host { get; init; } = "";

    /// <summary>RegisterBroker: advertised Kafka port.</summary>
    public int Port { get; init; }

    /// <summary>FenceBroker: fenced (true) or unfenced (false).</summary>
    public bool Fenced { get; init; }

    /// <summary>CreateTopic, DeleteTopic, PartitionChange: the topic.</summary>
    public string Topic { get; init; } = "";

    /// <summary>CreateTopic: the new topic id.</summary>
    public Guid TopicId { get; init; }

    /// <summary>CreateTopic: replica sets per partition (leader = first, ISR = all).</summary>
    public ImmutableArray<ImmutableArray<int>> Assignments { get; init; } = [];

    /// <summary>CreateTopic: configuration overrides.</summary>
    public ImmutableDictionary<string, string> Configs { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>PartitionChange: the partition.</summary>
    public int Partition { get; init; }

    /// <summary>PartitionChange: the new leader (-1: none).</summary>
    public int Leader { get; init; }

    /// <summary>PartitionChange: the new ISR.</summary>
    public ImmutableArray<int> Isr { get; init; } = [];

    /// <summary>PartitionChange: the leader epoch after the change.</summary>
    public int LeaderEpoch { get; init; }

    /// <summary>PartitionChange: the partition epoch the change was computed from (applied only if it still matches).</summary>
    public int ExpectedPartitionEpoch { get; init; }
}
