using System.Buffers.Binary;

namespace LogBus.Protocol.Records;

/// <summary>
/// The fixed 61-byte header of a Kafka record batch, magic v2. All integers are big-endian.
/// </summary>
/// <remarks>
/// Layout (byte offsets): base offset 0 (int64), batch length 8 (int32, counts the bytes after this
/// field), partition leader epoch 12 (int32), magic 16 (int8, = 2), CRC 17 (uint32, CRC-32C over
/// bytes 21..end), attributes 21 (int16), last offset delta 23 (int32), base timestamp 27 (int64),
/// max timestamp 35 (int64), producer id 43 (int64), producer epoch 51 (int16), base sequence 53
/// (int32), record count 57 (int32), records from 61. The base offset and the partition leader epoch
/// lie outside the CRC, so a broker stamps them in place without recomputing it.
/// </remarks>
public readonly record struct RecordBatchHeader
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 61;

    /// <summary>Bytes before the batch length field ends: base offset (8) + batch length (4).</summary>
    public const int LogOverhead = 12;

    /// <summary>The only batch format this codec reads.</summary>
    public const byte CurrentMagic = 2;

    /// <summary>Offset of the base offset field.</summary>
    public const int BaseOffsetPosition = 0;
    /// <summary>Offset of the batch length field.</summary>
    public const int BatchLengthPosition = 8;
    /// <summary>Offset of the partition leader epoch field.</summary>
    public const int PartitionLeaderEpochPosition = 12;
    /// <summary>Offset of the magic byte.</summary>
    public const int MagicPosition = 16;
    /// <summary>Offset of the CRC field.</summary>
    public const int CrcPosition = 17;
    /// <summary>Offset of the attributes field; the CRC covers everything from here to the end.</summary>
    public const int AttributesPosition = 21;
    /// <summary>Offset of the last offset delta field.</summary>
    public const int LastOffsetDeltaPosition = 23;
    /// <summary>Offset of the base timestamp field.</summary>
    public const int BaseTimestampPosition = 27;
    /// <summary>Offset of the max timestamp field.</summary>
    public const int MaxTimestampPosition = 35;
    /// <summary>Offset of the producer id field.</summary>
    public const int ProducerIdPosition = 43;
    /// <summary>Offset of the producer epoch field.</summary>
    public const int ProducerEpochPosition = 51;
    /// <summary>Offset of the base sequence field.</summary>
    public const int BaseSequencePosition = 53;
    /// <summary>Offset of the record count field.</summary>
    public const int RecordCountPosition = 57;

    /// <summary>Offset of the first record in the batch.</summary>
    public long BaseOffset { get; init; }
    /// <summary>Bytes that follow the batch length field (the whole batch is <c>BatchLength + 12</c>).</summary>
    public int BatchLength { get; init; }
    /// <summary>Leader epoch of the partition when the batch was appended.</summary>
    public int PartitionLeaderEpoch { get; init; }
    /// <summary>Format version; 2 for this header.</summary>
    public byte Magic { get; init; }
    /// <summary>CRC-32C of the bytes from the attributes to the end of the batch.</summary>
    public uint Crc { get; init; }
    /// <summary>Compression codec, timestamp type, transactional and control bits.</summary>
    public RecordBatchAttributes Attributes { get; init; }
    /// <summary>Offset of the last record relative to <see cref="BaseOffset"/>.</summary>
    public int LastOffsetDelta { get; init; }
    /// <summary>Timestamp of the first record (ms since the Unix epoch).</summary>
    public long BaseTimestamp { get; init; }
    /// <summary>Largest timestamp in the batch (ms since the Unix epoch).</summary>
    public long MaxTimestamp { get; init; }
    /// <summary>Idempotent or transactional producer id; -1 when none.</summary>
    public long ProducerId { get; init; }
    /// <summary>Producer epoch; -1 when none.</summary>
    public short ProducerEpoch { get; init; }
    /// <summary>Sequence number of the first record; -1 when none.</summary>
    public int BaseSequence { get; init; }
    /// <summary>Number of records in the batch.</summary>
    public int RecordCount { get; init; }

    /// <summary>Total size of the batch in bytes, header included.</summary>
    public int TotalSize => BatchLength + LogOverhead;

    /// <summary>Offset of the last record in the batch.</summary>
    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>The compression codec from the attributes.</summary>
    public CompressionCodec Compression => (CompressionCodec)((int)Attributes & 0x07);

    /// <summary>True for a transactional batch.</summary>
    public bool IsTransactional => (Attributes & RecordBatchAttributes.Transactional) != 0;

    /// <summary>True for a control batch (transaction commit or abort marker).</summary>
    public bool IsControl => (Attributes & RecordBatchAttributes.Control) != 0;

    /// <summary>
    /// Reads the header from the first 61 bytes of <paramref name="source"/>. Returns false when fewer
    /// bytes are available; never throws. Nothing is validated here: see <see cref="Validate"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out RecordBatchHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }
        header = new RecordBatchHeader
        {
            BaseOffset = BinaryPrimitives.ReadInt64BigEndian(source),
            BatchLength = BinaryPrimitives.ReadInt32BigEndian(source[BatchLengthPosition..]),
            PartitionLeaderEpoch = BinaryPrimitives.ReadInt32BigEndian(source[PartitionLeaderEpochPosition..]),
            Magic = source[MagicPosition],
            Crc = BinaryPrimitives.ReadUInt32BigEndian(source[CrcPosition..]),
            Attributes = (RecordBatchAttributes)BinaryPrimitives.ReadInt16BigEndian(source[AttributesPosition..]),
            LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(source[LastOffsetDeltaPosition..]),
            BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(source[BaseTimestampPosition..]),
            MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(source[MaxTimestampPosition..]),
            ProducerId = BinaryPrimitives.ReadInt64BigEndian(source[ProducerIdPosition..]),
            ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(source[ProducerEpochPosition..]),
            BaseSequence = BinaryPrimitives.ReadInt32BigEndian(source[BaseSequencePosition..]),
            RecordCount = BinaryPrimitives.ReadInt32BigEndian(source[RecordCountPosition..]),
        };
        return true;
    }

    /// <summary>
    /// Writes this header into the first 61 bytes of <paramref name="destination"/>, exactly as given
    /// (the CRC is not recomputed; see <see cref="ComputeCrc"/>).
    /// </summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A record batch header needs {Size} bytes.", nameof(destination));
        }
        BinaryPrimitives.WriteInt64BigEndian(destination, BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(destination[BatchLengthPosition..], BatchLength);
        BinaryPrimitives.WriteInt32BigEndian(destination[PartitionLeaderEpochPosition..], PartitionLeaderEpoch);
        destination[MagicPosition] = Magic;
        BinaryPrimitives.WriteUInt32BigEndian(destination[CrcPosition..], Crc);
        BinaryPrimitives.WriteInt16BigEndian(destination[AttributesPosition..], (short)Attributes);
        BinaryPrimitives.WriteInt32BigEndian(destination[LastOffsetDeltaPosition..], LastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(destination[BaseTimestampPosition..], BaseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(destination[MaxTimestampPosition..], MaxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(destination[ProducerIdPosition..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(destination[ProducerEpochPosition..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(destination[BaseSequencePosition..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(destination[RecordCountPosition..], RecordCount);
    }

    /// <summary>
    /// Computes the CRC-32C a complete batch should carry: over the bytes from the attributes to the
    /// end of the batch. <paramref name="batch"/> must be exactly one batch.
    /// </summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Crc32C.Compute(batch[AttributesPosition..]);

    /// <summary>Recomputes and stores the CRC of a complete batch in place.</summary>
    public static void WriteCrc(Span<byte> batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcPosition..], ComputeCrc(batch));

    /// <summary>
    /// Validates the first batch in <paramref name="source"/> (which may hold further bytes after it):
    /// lengths, magic, record count against last offset delta, size limit and CRC. Never throws.
    /// </summary>
    /// <param name="source">Bytes starting at a batch boundary.</param>
    /// <param name="maxBatchSize">Largest accepted total batch size in bytes.</param>
    /// <param name="header">The parsed header when at least 61 bytes were present.</param>
    public static RecordBatchValidation Validate(ReadOnlySpan<byte> source, int maxBatchSize, out RecordBatchHeader header)
    {
        if (!TryRead(source, out header))
        {
            return RecordBatchValidation.Truncated;
        }
        if (header.BatchLength < Size - LogOverhead)
        {
            return RecordBatchValidation.InvalidLength;
        }
        if (header.Magic != CurrentMagic)
        {
            return RecordBatchValidation.UnsupportedMagic;
        }
        // Compare in 64 bits: BatchLength + 12 overflows int for lengths near int.MaxValue.
        if ((long)header.BatchLength + LogOverhead > maxBatchSize)
        {
            return RecordBatchValidation.TooLarge;
        }
        if (source.Length < header.TotalSize)
        {
            return RecordBatchValidation.Truncated;
        }
        if (header.RecordCount < 0 || header.LastOffsetDelta < 0 || header.RecordCount != header.LastOffsetDelta + 1)
        {
            // Compaction may leave batches whose count is below delta + 1, but producers never send
            // such batches and this broker does not compact, so the strict rule holds for every
            // batch it stores.
            return RecordBatchValidation.InvalidRecordCount;
        }
        if (ComputeCrc(source[..header.TotalSize]) != header.Crc)
        {
            return RecordBatchValidation.CorruptCrc;
        }
        return RecordBatchValidation.Valid;
    }

    /// <summary>Stamps the base offset of a stored batch in place (outside the CRC).</summary>
    public static void StampBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>Stamps the partition leader epoch of a stored batch in place (outside the CRC).</summary>
    public static void StampPartitionLeaderEpoch(Span<byte> batch, int epoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochPosition..], epoch);
}
