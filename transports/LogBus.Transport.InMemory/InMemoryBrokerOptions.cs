namespace LogBus.Transport.InMemory;

/// <summary>Limits of an <see cref="InMemoryBroker"/>. Memory is bounded per partition by retention.</summary>
public sealed class InMemoryBrokerOptions
{
    /// <summary>Records kept per partition; older records are dropped in chunks of 1,024 (consumers
    /// positioned before the log start continue from it, as with Kafka retention).</summary>
    /// <remarks>Defaults to 1,000,000.</remarks>
    public int RetentionRecordsPerPartition { get; set; } = 1_000_000;

    /// <summary>Payload bytes (keys, values, headers) kept per partition.</summary>
    /// <remarks>Defaults to 64 MiB.</remarks>
    public long RetentionBytesPerPartition { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest accepted record payload (key + value + headers), like Kafka's <c>message.max.bytes</c>.</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(RetentionRecordsPerPartition, 1024, nameof(RetentionRecordsPerPartition));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetentionBytesPerPartition, 1024 * 1024, nameof(RetentionBytesPerPartition));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordBytes, 1, nameof(MaxRecordBytes));
    }
}
