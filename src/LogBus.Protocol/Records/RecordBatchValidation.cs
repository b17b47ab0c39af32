namespace LogBus.Protocol.Records;

/// <summary>Outcome of <see cref="RecordBatchHeader.Validate"/>; each failure is distinct.</summary>
public enum RecordBatchValidation
{
    /// <summary>The batch is well formed and its CRC matches.</summary>
    Valid = 0,
    /// <summary>Fewer bytes than the header or the declared batch length.</summary>
    Truncated,
    /// <summary>The batch length is smaller than a header.</summary>
    InvalidLength,
    /// <summary>The magic byte is not 2.</summary>
    UnsupportedMagic,
    /// <summary>The batch is larger than the configured maximum.</summary>
    TooLarge,
    /// <summary>The record count does not equal last offset delta + 1.</summary>
    InvalidRecordCount,
    /// <summary>The CRC-32C does not match the bytes.</summary>
    CorruptCrc,
}
