using LogBus.Protocol.Records;

namespace LogBus.Broker.Tests.Storage;

/// <summary>Builds valid v2 record batches with arbitrary record bytes (storage never decodes records).</summary>
internal static class TestBatches
{
    public static byte[] Build(int recordCount, int payloadBytes, long maxTimestamp, int seed = 0, long producerId = -1, int baseSequence = -1)
    {
        var bytes = new byte[RecordBatchHeader.Size + payloadBytes];
        new RecordBatchHeader
        {
            BaseOffset = 0,
            BatchLength = bytes.Length - RecordBatchHeader.LogOverhead,
            PartitionLeaderEpoch = -1,
            Magic = RecordBatchHeader.CurrentMagic,
            Attributes = RecordBatchAttributes.None,
            LastOffsetDelta = recordCount - 1,
            BaseTimestamp = maxTimestamp - 5,
            MaxTimestamp = maxTimestamp,
            ProducerId = producerId,
            ProducerEpoch = producerId < 0 ? (short)-1 : (short)0,
            BaseSequence = baseSequence,
            RecordCount = recordCount,
        }.Write(bytes);
        var rng = new Random(seed);
        rng.NextBytes(bytes.AsSpan(RecordBatchHeader.Size));
        RecordBatchHeader.WriteCrc(bytes);
        return bytes;
    }

    /// <summary>A batch whose payload is a function of the base offset it will get (for concurrent readers to verify).</summary>
    public static byte[] ForOffset(long baseOffset, int recordCount, int payloadBytes, long maxTimestamp)
    {
        var bytes = Build(recordCount, payloadBytes, maxTimestamp);
        FillPattern(bytes.AsSpan(RecordBatchHeader.Size), baseOffset);
        RecordBatchHeader.WriteCrc(bytes);
        return bytes;
    }

    public static void FillPattern(Span<byte> payload, long baseOffset)
    {
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((baseOffset * 31) + (i * 7));
        }
    }

    public static bool PayloadMatchesPattern(ReadOnlySpan<byte> batch, long baseOffset)
    {
        var payload = batch[RecordBatchHeader.Size..];
        for (var i = 0; i < payload.Length; i++)
        {
            if (payload[i] != (byte)((baseOffset * 31) + (i * 7)))
            {
                return false;
            }
        }
        return true;
    }

    public static byte[] Concat(params byte[][] batches)
    {
        var total = batches.Sum(b => b.Length);
        var set = new byte[total];
        var p = 0;
        foreach (var b in batches)
        {
            b.CopyTo(set, p);
            p += b.Length;
        }
        return set;
    }

    /// <summary>Splits a region into batches (asserting it holds whole, valid batches).</summary>
    public static List<(RecordBatchHeader Header, byte[] Bytes)> Split(ReadOnlySpan<byte> region)
    {
        var list = new List<(RecordBatchHeader, byte[])>();
        var p = 0;
        while (p < region.Length)
        {
            var v = RecordBatchHeader.Validate(region[p..], int.MaxValue, out var h);
            Assert.Equal(RecordBatchValidation.Valid, v);
            list.Add((h, region.Slice(p, h.TotalSize).ToArray()));
            p += h.TotalSize;
        }
        return list;
    }
}
