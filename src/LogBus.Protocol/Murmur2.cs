using System.Buffers.Binary;

namespace LogBus.Protocol;

/// <summary>
/// Murmur2 exactly as Apache Kafka's Java client computes it (seed 0x9747b28c), and its default
/// key partitioner <c>toPositive(murmur2(key)) % numPartitions</c>, so that the same key lands on the
/// same partition as with the Java client, librdkafka's murmur2 partitioner, kafka-python and kafkajs.
/// </summary>
public static class Murmur2
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    /// <summary>The signed 32-bit murmur2 hash of <paramref name="data"/>.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        var h = Seed ^ (uint)length;
        var blocks = length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        var tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= M;
                break;
        }
        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return (int)h;
    }

    /// <summary>Kafka's <c>toPositive</c>: clears the sign bit (not <c>Math.Abs</c>, which fails on int.MinValue).</summary>
    public static int ToPositive(int value) => value & 0x7fffffff;

    /// <summary>The partition for a non-null key among <paramref name="partitionCount"/> partitions.</summary>
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return ToPositive(Hash(key)) % partitionCount;
    }
}
