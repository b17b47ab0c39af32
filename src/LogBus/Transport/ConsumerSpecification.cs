using LogBus;

namespace LogBus.Transport;

/// <summary>How a transport consumer joins its group.</summary>
public sealed record ConsumerSpecification
{
    /// <summary>The consumer group; members of one group share the partitions of its topics.</summary>
    public required string GroupId { get; init; }

    /// <summary>A name for logs and diagnostics (e.g. the consumer type).</summary>
    public required string ClientId { get; init; }

    /// <summary>Where a partition without a committed offset starts.</summary>
    public AutoOffsetReset AutoOffsetReset { get; init; } = AutoOffsetReset.Earliest;

    /// <summary>Largest number of records one <see cref="ITransportConsumer.FetchAsync"/> returns.</summary>
    public int MaxFetchRecords { get; init; } = 1024;
}
