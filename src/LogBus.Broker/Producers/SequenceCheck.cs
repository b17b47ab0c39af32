namespace LogBus.Broker.Producers;

/// <summary>Outcome of checking an idempotent batch against a partition's producer state.</summary>
internal enum SequenceCheck
{
    /// <summary>Next in sequence (or a new producer/epoch starting at 0): append it.</summary>
    Accept = 0,
    /// <summary>One of the producer's last batches, already appended: answer success with its original offset, append nothing.</summary>
    Duplicate,
    /// <summary>A gap or a step back in the sequence (Kafka OUT_OF_ORDER_SEQUENCE_NUMBER, 45).</summary>
    OutOfOrderSequence,
    /// <summary>No state for this producer and the batch does not start at sequence 0 (Kafka UNKNOWN_PRODUCER_ID, 59).</summary>
    UnknownProducerId,
    /// <summary>The batch's epoch is older than the producer's current epoch: a fenced, zombie producer (Kafka INVALID_PRODUCER_EPOCH, 47).</summary>
    InvalidProducerEpoch,
}
