namespace LogBus.Protocol.Records;

/// <summary>
/// One complete record batch (magic v2) in memory: its parsed header and its bytes. Records are read
/// with <see cref="GetRecords"/>, which decompresses when needed.
/// </summary>
public readonly struct RecordBatch
{
    /// <summary>Default bound on the decompressed size of one batch's records: 64 MiB.</summary>
    public const int DefaultMaxDecompressedSize = 64 * 1024 * 1024;

    /// <summary>Wraps a batch whose header was already read and checked (see <see cref="RecordBatchReader"/>).</summary>
    internal RecordBatch(RecordBatchHeader header, ReadOnlyMemory<byte> memory)
    {
        Header = header;
        Memory = memory;
    }

    /// <summary>The parsed header.</summary>
    public RecordBatchHeader Header { get; }

    /// <summary>The whole batch, header included.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>The records section (compressed when the codec is not none).</summary>
    public ReadOnlyMemory<byte> RecordsMemory => Memory[RecordBatchHeader.Size..];

    /// <summary>True when the stored CRC-32C matches the bytes.</summary>
    public bool IsCrcValid => RecordBatchHeader.ComputeCrc(Memory.Span) == Header.Crc;

    /// <summary>
    /// Enumerates the records without allocating per record. A compressed batch is decompressed first
    /// into a pooled buffer that the enumerator returns on <c>Dispose</c> (which <c>foreach</c> calls);
    /// the spans it yields are valid until then. Throws <see cref="KafkaProtocolException"/> for an
    /// unsupported codec, corrupt compressed data, more than <paramref name="maxDecompressedSize"/> bytes
    /// after decompression, or malformed records.
    /// </summary>
    public RecordEnumerator GetRecords(int maxDecompressedSize = DefaultMaxDecompressedSize) => new(this, maxDecompressedSize);
}
