using LogBus.Protocol;

namespace LogBus.Transport.InMemory.Internal;

/// <summary>Appends records synchronously; partitions keyed records with Kafka's murmur2, keyless ones round-robin.</summary>
internal sealed class InMemoryProducer(InMemoryBroker broker) : ITransportProducer
{
    public ValueTask<DeliveryResult> ProduceAsync(OutgoingRecord record, CancellationToken cancellationToken = default)
    {
        try
        {
            return ValueTask.FromResult(Produce(record));
        }
        catch (Exception ex) when (ex is UnknownTopicException or RecordTooLargeException or ArgumentException)
        {
            return ValueTask.FromException<DeliveryResult>(ex);
        }
    }

    // Copies the record into the partition before returning, as the producer contract requires.
    public DeliveryResult Produce(in OutgoingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record.Topic);
        var topic = broker.GetTopic(record.Topic);
        var size = record.Value.Length + (record.Key?.Length ?? 0);
        foreach (var header in record.Headers.AsSpan())
        {
            size += header.Key.Length + header.Value.Length;
        }
        if (size > broker.Options.MaxRecordBytes)
        {
            throw new RecordTooLargeException($"The record for topic '{record.Topic}' has {size} bytes; the limit is {broker.Options.MaxRecordBytes}.");
        }
        int partition;
        if (record.Partition is { } explicitPartition)
        {
            if ((uint)explicitPartition >= (uint)topic.Partitions.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(record), $"Topic '{record.Topic}' has {topic.Partitions.Length} partition(s); partition {explicitPartition} does not exist.");
            }
            partition = explicitPartition;
        }
        else
        {
            partition = record.Key is { } key ? Murmur2.Partition(key.Span, topic.Partitions.Length) : topic.NextPartition();
        }
        var offset = topic.Partitions[partition].Append(record, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return new DeliveryResult(record.Topic, partition, offset);
    }
}
