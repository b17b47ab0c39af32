namespace LogBus.Broker.Storage;

/// <summary>Why an append was refused. Nothing of the record set is appended when this is not <see cref="None"/>.</summary>
internal enum AppendError
{
    /// <summary>Appended.</summary>
    None = 0,
    /// <summary>A batch's CRC-32C does not match its bytes (Kafka CORRUPT_MESSAGE).</summary>
    CorruptCrc,
    /// <summary>A batch length is shorter than a header or runs past the record set, or the set is empty or ends inside a batch (Kafka CORRUPT_MESSAGE).</summary>
    InvalidLength,
    /// <summary>A batch's record count is not its last offset delta + 1 (Kafka INVALID_RECORD).</summary>
    InvalidRecordCount,
    /// <summary>A batch is not magic v2 (Kafka UNSUPPORTED_FOR_MESSAGE_FORMAT).</summary>
    UnsupportedMagic,
    /// <summary>A batch is larger than <see cref="LogConfig.MaxBatchBytes"/> (Kafka MESSAGE_TOO_LARGE).</summary>
    BatchTooLarge,
    /// <summary>Follower append: batch offsets do not continue the log exactly (Kafka OFFSET_OUT_OF_RANGE / unexpected).</summary>
    OffsetOutOfOrder,
    /// <summary>The leader epoch is older than the partition's latest epoch (Kafka FENCED_LEADER_EPOCH).</summary>
    StaleLeaderEpoch,
}
