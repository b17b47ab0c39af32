using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using LogBus.Protocol.Records;

namespace LogBus.Protocol.Tests.Records;

public class RecordBatchTests
{
    private static List<(long Offset, long Timestamp, string? Key, string? Value, List<(string, string?)> Headers)> ReadAll(ReadOnlyMemory<byte> buffer)
    {
        var result = new List<(long, long, string?, string?, List<(string, string?)>)>();
        foreach (var batch in new RecordBatchReader(buffer))
        {
            foreach (var r in batch.GetRecords())
            {
                var headers = new List<(string, string?)>();
                foreach (var h in r.Headers)
                {
                    headers.Add((h.GetKeyString(), h.IsValueNull ? null : Encoding.UTF8.GetString(h.Value)));
                }
                result.Add((r.Offset, r.Timestamp, r.IsKeyNull ? null : Encoding.UTF8.GetString(r.Key), r.IsValueNull ? null : Encoding.UTF8.GetString(r.Value), headers));
            }
        }
        return result;
    }

    [Theory]
    [InlineData(CompressionCodec.None)]
    [InlineData(CompressionCodec.Gzip)]
    public void Builder_output_reads_back_record_for_record(CompressionCodec codec)
    {
        using var builder = new RecordBatchBuilder(64);
        builder.Reset(codec, producerId: 77, producerEpoch: 3, baseSequence: 10, isTransactional: true, baseOffset: 500, partitionLeaderEpoch: 9);
        var headers = new RecordHeaderData[] { new("message-type", Encoding.UTF8.GetBytes("OrderPlaced")), new("nothing", null) };
        Assert.True(builder.TryAppend(1000, "k1"u8, "v1"u8, headers));
        Assert.True(builder.TryAppendNullable(990, null, Encoding.UTF8.GetBytes("no key, earlier timestamp")));
        Assert.True(builder.TryAppendNullable(1005, Encoding.UTF8.GetBytes("k3"), null)); // tombstone
        for (var i = 0; i < 200; i++)
        {
            Assert.True(builder.TryAppend(2000 + i, Encoding.UTF8.GetBytes($"key-{i}"), Encoding.UTF8.GetBytes(new string('x', 50))));
        }
        Assert.Equal(203, builder.Count);
        var batch = builder.Build();

        Assert.Equal(RecordBatchValidation.Valid, RecordBatchHeader.Validate(batch.Span, 1 << 20, out var h));
        Assert.Equal(codec, h.Compression);
        Assert.True(h.IsTransactional);
        Assert.False(h.IsControl);
        Assert.Equal(500, h.BaseOffset);
        Assert.Equal(9, h.PartitionLeaderEpoch);
        Assert.Equal(77, h.ProducerId);
        Assert.Equal((short)3, h.ProducerEpoch);
        Assert.Equal(10, h.BaseSequence);
        Assert.Equal(203, h.RecordCount);
        Assert.Equal(202, h.LastOffsetDelta);
        Assert.Equal(1000, h.BaseTimestamp);
        Assert.Equal(2199, h.MaxTimestamp);
        if (codec == CompressionCodec.Gzip)
        {
            Assert.True(batch.Length < builder.SizeInBytes / 2, "repetitive records compress");
        }

        var records = ReadAll(batch);
        Assert.Equal(203, records.Count);
        Assert.Equal((500L, 1000L, "k1", "v1"), (records[0].Offset, records[0].Timestamp, records[0].Key, records[0].Value));
        Assert.Equal([("message-type", "OrderPlaced"), ("nothing", null)], records[0].Headers);
        Assert.Equal((501L, 990L, (string?)null), (records[1].Offset, records[1].Timestamp, records[1].Key));
        Assert.Null(records[2].Value);
        Assert.Equal("k3", records[2].Key);
        Assert.Equal(702, records[^1].Offset);
        Assert.Equal("key-199", records[^1].Key);
    }

    [Fact]
    public void Batch_size_limit_refuses_records_after_the_first()
    {
        using var builder = new RecordBatchBuilder();
        var big = new byte[500];
        Assert.True(builder.TryAppend(0, default, big, default, maxBatchSize: 100)); // the first always fits
        Assert.False(builder.TryAppend(0, default, "x"u8, default, maxBatchSize: 100));
        var size = builder.SizeInBytes;
        Assert.True(builder.TryAppend(0, default, "x"u8, default, maxBatchSize: size + RecordBatchBuilder.RecordSize(0, 1, 0, 1, default)));
        Assert.False(builder.TryAppend(0, default, "x"u8, default, maxBatchSize: builder.SizeInBytes));
        Assert.Equal(2, builder.Count);
        Assert.Equal(builder.SizeInBytes, builder.Build().Length);
        Assert.Throws<InvalidOperationException>(() => builder.TryAppend(0, default, "x"u8));
        builder.Reset();
        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Theory]
    [InlineData(ControlRecordType.Commit)]
    [InlineData(ControlRecordType.Abort)]
    public void Control_batches_carry_transaction_markers(ControlRecordType type)
    {
        using var builder = new RecordBatchBuilder();
        Assert.Throws<InvalidOperationException>(() => builder.AppendControlRecord(1, type, 5));
        builder.Reset(producerId: 4000, producerEpoch: 2, isTransactional: true, isControl: true);
        builder.AppendControlRecord(123, type, coordinatorEpoch: 5);
        var batch = builder.Build();
        // Key: version 0 + type; value: version 0 + coordinator epoch 5 (records start at byte 61).
        var record = batch.Span[RecordBatchHeader.Size..];
        Assert.Equal(new byte[] { 0, 0, 0, (byte)type }, record.Slice(5, 4).ToArray()); // after length, attrs, ts, offset, key length
        Assert.True(RecordBatchHeader.TryRead(batch.Span, out var h));
        Assert.True(h.IsControl);
        Assert.True(h.IsTransactional);
        var reader = new RecordBatchReader(batch);
        Assert.True(reader.MoveNext());
        using var records = reader.Current.GetRecords();
        Assert.True(records.MoveNext());
        Assert.True(ControlRecord.TryParse(records.Current.Key, records.Current.Value, out var marker));
        Assert.Equal(new ControlRecord(type, 5), marker);
        Assert.False(records.MoveNext());
        Assert.False(ControlRecord.TryParse("ab"u8, default, out _));
    }

    [Fact]
    public void A_partial_trailing_batch_is_skipped()
    {
        using var builder = new RecordBatchBuilder();
        var buffer = new ArrayBufferWriter<byte>();
        for (var b = 0; b < 3; b++)
        {
            builder.Reset(baseOffset: b * 10);
            for (var i = 0; i < 10; i++)
            {
                builder.TryAppend(i, default, Encoding.UTF8.GetBytes($"{b}-{i}"));
            }
            buffer.Write(builder.Build().Span);
        }
        var all = buffer.WrittenMemory;
        Assert.Equal(30, ReadAll(all).Count);
        var firstBatchSize = BinaryPrimitives.ReadInt32BigEndian(all.Span[8..]) + 12;
        foreach (var cut in new[] { all.Length - 1, all.Length - 60, 2 * firstBatchSize + 5, 2 * firstBatchSize + 11 })
        {
            var reader = new RecordBatchReader(all[..cut]);
            var batches = 0;
            while (reader.MoveNext())
            {
                batches++;
            }
            Assert.Equal(2, batches);
            Assert.True(reader.HasPartialTrailingBatch);
            Assert.Equal(2 * firstBatchSize, reader.Position);
            Assert.Equal(20, ReadAll(all[..cut]).Count);
        }
        var whole = new RecordBatchReader(all);
        while (whole.MoveNext())
        {
        }
        Assert.False(whole.HasPartialTrailingBatch);
    }

    [Fact]
    public void An_unsupported_codec_is_stored_as_is_but_is_a_clear_error_to_decode()
    {
        using var builder = new RecordBatchBuilder();
        builder.TryAppend(1, default, "payload"u8);
        var batch = builder.Build().ToArray();
        // Mark it snappy (the bytes are not snappy, but a broker never looks) and fix the CRC.
        var attributes = (short)((BinaryPrimitives.ReadInt16BigEndian(batch.AsSpan(21)) & ~7) | (int)CompressionCodec.Snappy);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), attributes);
        RecordBatchHeader.WriteCrc(batch);

        Assert.Equal(RecordBatchValidation.Valid, RecordBatchHeader.Validate(batch, 1 << 20, out var h));
        Assert.Equal(CompressionCodec.Snappy, h.Compression);
        var reader = new RecordBatchReader(batch);
        Assert.True(reader.MoveNext());
        Assert.True(reader.Current.IsCrcValid);
        var copy = reader.Current;
        var ex = Assert.Throws<KafkaProtocolException>(() => copy.GetRecords());
        Assert.Equal(ErrorCode.UnsupportedCompressionType, ex.ErrorCode);
        Assert.Contains("Snappy", ex.Message, StringComparison.Ordinal);
        Assert.Throws<KafkaProtocolException>(() => builder.Reset(CompressionCodec.Lz4));

        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), 7); // codec 7 does not exist
        var bad = new RecordBatchReader(batch);
        Assert.True(bad.MoveNext());
        var badBatch = bad.Current;
        Assert.Equal(ErrorCode.UnsupportedCompressionType, Assert.Throws<KafkaProtocolException>(() => badBatch.GetRecords()).ErrorCode);
    }

    [Fact]
    public void Codecs_are_pluggable()
    {
        // Zstd is used by no other test; this stand-in "compresses" by reversing the bytes.
        CompressionProviders.Register(new ReversingProvider());
        using var builder = new RecordBatchBuilder();
        builder.Reset(CompressionCodec.Zstd);
        builder.TryAppend(5, "k"u8, "v"u8);
        var batch = builder.Build();
        Assert.True(RecordBatchHeader.TryRead(batch.Span, out var h));
        Assert.Equal(CompressionCodec.Zstd, h.Compression);
        var records = ReadAll(batch);
        Assert.Equal(("k", "v"), (records[0].Key, records[0].Value));
        Assert.Throws<ArgumentException>(() => CompressionProviders.Register(new NoneProvider()));
    }

    [Fact]
    public void Malformed_batch_framing_is_a_protocol_error()
    {
        using var builder = new RecordBatchBuilder();
        builder.TryAppend(1, default, "x"u8);
        var batch = builder.Build().ToArray();
        var magic1 = (byte[])batch.Clone();
        magic1[16] = 1;
        Assert.Throws<KafkaProtocolException>(() => new RecordBatchReader(magic1).MoveNext());
        var shortLength = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(8), 20);
        Assert.Throws<KafkaProtocolException>(() => new RecordBatchReader(shortLength).MoveNext());
        var tooManyRecords = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt32BigEndian(tooManyRecords.AsSpan(57), 2);
        Assert.Throws<KafkaProtocolException>(() => ReadAll(tooManyRecords));
    }

    [Fact]
    public void Decompression_is_bounded()
    {
        using var builder = new RecordBatchBuilder();
        builder.Reset(CompressionCodec.Gzip);
        var zeros = new byte[100_000];
        for (var i = 0; i < 40; i++)
        {
            builder.TryAppend(0, default, zeros);
        }
        var batch = builder.Build();
        Assert.True(batch.Length < 100_000);
        var reader = new RecordBatchReader(batch);
        Assert.True(reader.MoveNext());
        var current = reader.Current;
        Assert.Throws<KafkaProtocolException>(() => current.GetRecords(maxDecompressedSize: 1_000_000));
        using var ok = current.GetRecords(maxDecompressedSize: 8_000_000);
        var n = 0;
        while (ok.MoveNext())
        {
            n++;
        }
        Assert.Equal(40, n);
    }

    [Fact]
    public void Reading_records_and_headers_allocates_nothing_per_record()
    {
        using var builder = new RecordBatchBuilder();
        var headers = new RecordHeaderData[] { new("a", new byte[] { 1 }), new("b", null) };
        for (var i = 0; i < 5000; i++)
        {
            builder.TryAppend(i, "key"u8, new byte[100], headers);
        }
        var batch = builder.Build().ToArray().AsMemory();
        long Sum()
        {
            long sum = 0;
            var reader = new RecordBatchReader(batch);
            while (reader.MoveNext())
            {
                foreach (var r in reader.Current.GetRecords())
                {
                    sum += r.Offset + r.Value.Length;
                    foreach (var h in r.Headers)
                    {
                        sum += h.Key.Length + h.Value.Length;
                    }
                }
            }
            return sum;
        }
        var expected = Sum(); // warm up (JIT, tiering)
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(expected, Sum());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"allocated {allocated} bytes for 5000 records");
    }

    private sealed class ReversingProvider : ICompressionProvider
    {
        public CompressionCodec Codec => CompressionCodec.Zstd;

        public void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
        {
            var span = destination.GetSpan(source.Length)[..source.Length];
            source.CopyTo(span);
            span.Reverse();
            destination.Advance(source.Length);
        }

        public void Decompress(ReadOnlyMemory<byte> source, IBufferWriter<byte> destination, int maxDecompressedSize) =>
            Compress(source.Span, destination);
    }

    private sealed class NoneProvider : ICompressionProvider
    {
        public CompressionCodec Codec => CompressionCodec.None;

        public void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination) => destination.Write(source);

        public void Decompress(ReadOnlyMemory<byte> source, IBufferWriter<byte> destination, int maxDecompressedSize) => destination.Write(source.Span);
    }
}
