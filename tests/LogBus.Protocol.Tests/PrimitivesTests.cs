using System.Buffers;
using LogBus.Protocol.Tests.Support;

namespace LogBus.Protocol.Tests;

public class PrimitivesTests
{
    private delegate void WriteAction(ref KafkaWriter writer);

    private static byte[] Write(WriteAction write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(output);
        write(ref writer);
        writer.Flush();
        var measure = KafkaWriter.CreateMeasuring();
        write(ref measure);
        Assert.Equal(output.WrittenCount, measure.Position);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(-1, "01")]
    [InlineData(1, "02")]
    [InlineData(-64, "7F")]
    [InlineData(63, "7E")]
    [InlineData(64, "80 01")]
    [InlineData(300, "D8 04")]
    [InlineData(int.MaxValue, "FE FF FF FF 0F")]
    [InlineData(int.MinValue, "FF FF FF FF 0F")]
    public void Zigzag_varint_vectors(int value, string hex)
    {
        var expected = Hex.Parse(hex);
        Assert.Equal(expected, Write((ref KafkaWriter w) => w.WriteVarInt(value)));
        Assert.Equal(expected.Length, VarInt.SizeOfVarInt(value));
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadVarInt());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(-1L, "01")]
    [InlineData(1_700_000_000_000L, "80 A0 AB FE F9 62")] // zigzag 3400000000000 in 7-bit groups, low first
    [InlineData(long.MaxValue, "FE FF FF FF FF FF FF FF FF 01")]
    [InlineData(long.MinValue, "FF FF FF FF FF FF FF FF FF 01")]
    public void Zigzag_varlong_vectors(long value, string hex)
    {
        var expected = Hex.Parse(hex);
        Assert.Equal(expected, Write((ref KafkaWriter w) => w.WriteVarLong(value)));
        Assert.Equal(expected.Length, VarInt.SizeOfVarLong(value));
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadVarLong());
    }

    [Theory]
    [InlineData(0u, "00")]
    [InlineData(127u, "7F")]
    [InlineData(128u, "80 01")]
    [InlineData(16384u, "80 80 01")]
    [InlineData(uint.MaxValue, "FF FF FF FF 0F")]
    public void Unsigned_varint_vectors(uint value, string hex)
    {
        var expected = Hex.Parse(hex);
        Assert.Equal(expected, Write((ref KafkaWriter w) => w.WriteUnsignedVarInt(value)));
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadUnsignedVarInt());
    }

    [Theory]
    [InlineData("FF FF FF FF FF")]          // fifth byte above 0x0F
    [InlineData("80 80 80 80 80 01")]       // six bytes
    [InlineData("80")]                      // truncated
    public void Malformed_varints_throw_protocol_exceptions(string hex)
    {
        var bytes = Hex.Parse(hex);
        Assert.Throws<KafkaProtocolException>(() => new KafkaReader(bytes).ReadVarInt());
        Assert.Throws<KafkaProtocolException>(() => new KafkaReader(bytes).ReadUnsignedVarInt());
    }

    [Fact]
    public void Big_endian_integers_and_uuid()
    {
        var uuid = new Guid("00112233-4455-6677-8899-aabbccddeeff");
        var bytes = Write((ref KafkaWriter w) =>
        {
            w.WriteInt8(-2);
            w.WriteInt16(0x0102);
            w.WriteInt32(0x03040506);
            w.WriteInt64(0x0708090A0B0C0D0E);
            w.WriteBoolean(true);
            w.WriteUuid(uuid);
        });
        Assert.Equal(Hex.Parse("FE 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 01 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF"), bytes);
        var r = new KafkaReader(bytes);
        Assert.Equal(-2, r.ReadInt8());
        Assert.Equal(0x0102, r.ReadInt16());
        Assert.Equal(0x03040506, r.ReadInt32());
        Assert.Equal(0x0708090A0B0C0D0E, r.ReadInt64());
        Assert.True(r.ReadBoolean());
        Assert.Equal(uuid, r.ReadUuid());
        Assert.True(r.End);
    }

    [Fact]
    public void Classic_and_compact_strings_and_bytes_keep_null_apart_from_empty()
    {
        var bytes = Write((ref KafkaWriter w) =>
        {
            w.WriteNullableString(null);
            w.WriteNullableString("");
            w.WriteString("hé");
            w.WriteCompactNullableString(null);
            w.WriteCompactString("");
            w.WriteCompactString("ab");
            w.WriteNullableBytes(null);
            w.WriteBytes([]);
            w.WriteNullableBytes(new byte[] { 9 }, compact: true);
            w.WriteNullableBytes(null, compact: true);
        });
        Assert.Equal(Hex.Parse("""
            FF FF            // null string
            00 00            // empty string
            00 03 68 C3 A9   // "hé" in UTF-8
            00               // compact null
            01               // compact empty
            03 61 62         // compact "ab"
            FF FF FF FF      // null bytes
            00 00 00 00      // empty bytes
            02 09            // compact bytes [9]
            00               // compact null bytes
            """), bytes);
        var r = new KafkaReader(bytes);
        Assert.Null(r.ReadNullableString());
        Assert.Equal("", r.ReadNullableString());
        Assert.Equal("hé", r.ReadString());
        Assert.Null(r.ReadCompactNullableString());
        Assert.Equal("", r.ReadCompactString());
        Assert.Equal("ab", r.ReadCompactString());
        Assert.Null(r.ReadNullableBytes());
        Assert.Equal(0, r.ReadBytes().Length);
        Assert.Equal(new byte[] { 9 }, r.ReadNullableBytes(compact: true)!.Value.ToArray());
        Assert.Null(r.ReadNullableBytes(compact: true));
        Assert.True(r.End);
    }

    [Fact]
    public void Arrays_compact_arrays_and_tagged_fields()
    {
        List<TaggedField> tagged = [new(1, new byte[] { 0xAA }), new(300, new byte[] { 1, 2 })];
        var bytes = Write((ref KafkaWriter w) =>
        {
            w.WriteInt32Array([1, 2]);
            w.WriteStringArray(null, nullable: true);
            w.WriteStringArray(["x"], compact: true);
            w.WriteTaggedFields(tagged);
        });
        Assert.Equal(Hex.Parse("""
            00 00 00 02 00 00 00 01 00 00 00 02  // int32 array [1, 2]
            FF FF FF FF                          // null array
            02 02 78                             // compact array of 1: compact "x"
            02                                   // 2 tagged fields
            01 01 AA                             //   tag 1, size 1
            AC 02 02 01 02                       //   tag 300 (uvarint AC 02), size 2
            """), bytes);
        var r = new KafkaReader(bytes);
        Assert.Equal([1, 2], r.ReadInt32Array());
        Assert.Null(r.ReadStringArray(nullable: true));
        Assert.Equal(["x"], r.ReadStringArray(compact: true)!);
        List<TaggedField>? read = null;
        r.ReadTaggedFields(ref read);
        Assert.Equal(2, read!.Count);
        Assert.Equal(300, read[1].Tag);
        Assert.Equal(new byte[] { 1, 2 }, read[1].Data.ToArray());
        Assert.True(r.End);
    }

    [Theory]
    [InlineData("FF FE")]                   // string length -2
    [InlineData("00 05 61")]                // string longer than the buffer
    [InlineData("7F FF FF FF")]             // array count int.MaxValue with nothing after it
    [InlineData("00 00 00 03 00 00 00 01")] // 3 int32 elements, 4 bytes left
    [InlineData("FF FF FF FF")]             // null where an array is required
    public void Lengths_and_counts_are_checked_before_allocating(string hex)
    {
        var bytes = Hex.Parse(hex);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<KafkaProtocolException>(() =>
        {
            var r = new KafkaReader(bytes);
            if (bytes.Length == 2 || bytes[0] == 0 && bytes[1] == 5)
            {
                r.ReadString();
            }
            else
            {
                r.ReadInt32Array();
            }
        });
        Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
        Assert.Contains("byte", ex.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024, "no allocation by the hostile length");
    }

    [Fact]
    public void Tagged_fields_out_of_order_or_too_many_are_rejected()
    {
        Assert.Throws<KafkaProtocolException>(() =>
        {
            var r = new KafkaReader(Hex.Parse("02 05 00 03 00"));
            List<TaggedField>? f = null;
            r.ReadTaggedFields(ref f);
        });
        Assert.Throws<KafkaProtocolException>(() =>
        {
            var r = new KafkaReader(Hex.Parse("FF FF FF FF 0F"));
            List<TaggedField>? f = null;
            r.ReadTaggedFields(ref f);
        });
    }

    [Fact]
    public void Writer_spans_output_segments_and_back_patches_a_pooled_buffer()
    {
        // A tiny-segment writer forces every write across span boundaries.
        var output = new TinySegmentWriter();
        var writer = new KafkaWriter(output);
        var big = new string('x', 1000);
        writer.WriteString(big);
        writer.WriteInt64(42);
        writer.Flush();
        var r = new KafkaReader(output.ToArray());
        Assert.Equal(big, r.ReadString());
        Assert.Equal(42, r.ReadInt64());

        using var pooled = new PooledBufferWriter(16);
        pooled.Write(new byte[] { 7, 7 }); // bytes before the writer starts
        var w = new KafkaWriter(pooled);
        var prefix = w.ReserveInt32();
        w.WriteString("hello");
        w.PatchInt32(prefix, (int)(w.Position - prefix - 4));
        w.Flush();
        Assert.Equal(Hex.Parse("07 07 00 00 00 07 00 05 68 65 6C 6C 6F"), pooled.WrittenSpan.ToArray());

        Assert.Throws<InvalidOperationException>(() =>
        {
            var other = new KafkaWriter(new ArrayBufferWriter<byte>());
            var p = other.ReserveInt32();
            other.PatchInt32(p, 1);
        });
    }

    private sealed class TinySegmentWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _data = [];
        private byte[] _current = new byte[3];

        public void Advance(int count) => _data.AddRange(_current.AsSpan(0, count));

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 3)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => [.. _data];
    }
}
