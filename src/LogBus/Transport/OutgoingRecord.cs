namespace LogBus.Transport;

/// <summary>A record to append to a topic.</summary>
/// <param name="Topic">Destination topic.</param>
/// <param name="Key">Partition key, or null to let the transport spread records over partitions.</param>
/// <param name="Value">The serialized message.</param>
/// <param name="Headers">Record headers.</param>
/// <param name="Partition">An explicit partition, or null to choose by key (murmur2, as Kafka's Java client).</param>
public readonly record struct OutgoingRecord(
    string Topic,
    ReadOnlyMemory<byte>? Key,
    ReadOnlyMemory<byte> Value,
    RecordHeaders Headers,
    int? Partition = null);
