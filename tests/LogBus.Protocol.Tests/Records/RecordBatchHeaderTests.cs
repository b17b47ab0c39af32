using LogBus.Protocol.Records;

namespace LogBus.Protocol.Tests.Records;

public class RecordBatchHeaderTests
{
    // A batch with one header-only "record area" of the given size; content is not decoded here.
    private static byte[] Batch(int recordBytes = 10, int recordCount = 1, int lastOffsetDelta = 0, byte magic = 2)
    {
        var bytes = new byte[RecordBatchHeader.Size + recordBytes];
        new RecordBatchHeader
        {
            BaseOffset = 0,
            BatchLength = bytes.Length - RecordBatchHeader.LogOverhead,
            PartitionLeaderEpoch = -1,
            Magic = magic,
            Attributes = RecordBatchAttributes.None,
            LastOffsetDelta = lastOffsetDelta,
            BaseTimestamp = 1_700_000_000_000,
            MaxTimestamp = 1_700_000_000_123,
            ProducerId = 42,
            ProducerEpoch = 3,
            BaseSequence = 7,
            RecordCount = recordCount,
        }.Write(bytes);
        for (var i = RecordBatchHeader.Size; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }
        RecordBatchHeader.WriteCrc(bytes);
        return bytes;
    }

    [Fact]
    public void Write_then_read_round_trips_every_field()
    {
        var bytes = Batch();
        Assert.Equal(RecordBatchValidation.Valid, RecordBatchHeader.Validate(bytes, 1 << 20, out var h));
        Assert.Equal(bytes.Length - 12, h.BatchLength);
        Assert.Equal(bytes.Length, h.TotalSize);
        Assert.Equal(2, h.Magic);
        Assert.Equal(1_700_000_000_123, h.MaxTimestamp);
        Assert.Equal(42, h.ProducerId);
        Assert.Equal((short)3, h.ProducerEpoch);
        Assert.Equal(7, h.BaseSequence);
        Assert.Equal(1, h.RecordCount);
        Assert.Equal(CompressionCodec.None, h.Compression);
        Assert.False(h.IsTransactional);
        Assert.False(h.IsControl);
    }

    [Fact]
    public void Stamping_offset_and_epoch_keeps_the_crc_valid()
    {
        var bytes = Batch();
        RecordBatchHeader.StampBaseOffset(bytes, 123_456);
        RecordBatchHeader.StampPartitionLeaderEpoch(bytes, 9);
        Assert.Equal(RecordBatchValidation.Valid, RecordBatchHeader.Validate(bytes, 1 << 20, out var h));
        Assert.Equal(123_456, h.BaseOffset);
        Assert.Equal(123_456, h.LastOffset);
        Assert.Equal(9, h.PartitionLeaderEpoch);
    }

    [Fact]
    public void Each_defect_has_its_own_result()
    {
        Assert.Equal(RecordBatchValidation.Truncated, RecordBatchHeader.Validate(Batch().AsSpan(0, 60), 1 << 20, out _));
        Assert.Equal(RecordBatchValidation.Truncated, RecordBatchHeader.Validate(Batch().AsSpan(0, 65), 1 << 20, out _));
        Assert.Equal(RecordBatchValidation.UnsupportedMagic, RecordBatchHeader.Validate(Batch(magic: 1), 1 << 20, out _));
        Assert.Equal(RecordBatchValidation.InvalidRecordCount, RecordBatchHeader.Validate(Batch(recordCount: 2), 1 << 20, out _));
        Assert.Equal(RecordBatchValidation.TooLarge, RecordBatchHeader.Validate(Batch(), 64, out _));

        var corrupt = Batch();
        corrupt[^1] ^= 0x40;
        Assert.Equal(RecordBatchValidation.CorruptCrc, RecordBatchHeader.Validate(corrupt, 1 << 20, out _));

        var shortLength = Batch();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(8), 10);
        Assert.Equal(RecordBatchValidation.InvalidLength, RecordBatchHeader.Validate(shortLength, 1 << 20, out _));

        var huge = Batch();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(8), int.MaxValue);
        Assert.Equal(RecordBatchValidation.TooLarge, RecordBatchHeader.Validate(huge, int.MaxValue, out _));
    }

    [Fact]
    public void Validate_ignores_bytes_after_the_batch()
    {
        var bytes = Batch();
        var longer = new byte[bytes.Length + 100];
        bytes.CopyTo(longer, 0);
        Assert.Equal(RecordBatchValidation.Valid, RecordBatchHeader.Validate(longer, 1 << 20, out var h));
        Assert.Equal(bytes.Length, h.TotalSize);
    }
}
