namespace LogBus.Protocol.Records;

/// <summary>The int16 attributes of a record batch (magic v2).</summary>
[Flags]
#pragma warning disable CA1028 // Wire format: the attributes are an int16 on the wire.
public enum RecordBatchAttributes : short
#pragma warning restore CA1028
{
    /// <summary>No compression, create-time timestamps, not transactional, not control.</summary>
    None = 0,
    /// <summary>Bits 0-2: the compression codec (see <see cref="CompressionCodec"/>).</summary>
    CompressionMask = 0x07,
    /// <summary>Bit 3: timestamps are log-append time rather than create time.</summary>
    LogAppendTime = 0x08,
    /// <summary>Bit 4: the batch belongs to a transaction.</summary>
    Transactional = 0x10,
    /// <summary>Bit 5: the batch holds a control record (commit or abort marker).</summary>
    Control = 0x20,
    /// <summary>Bit 6: the batch carries a delete horizon (set by compaction).</summary>
    DeleteHorizon = 0x40,
}
