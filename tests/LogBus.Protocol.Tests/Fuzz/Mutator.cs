using System.Buffers.Binary;

namespace LogBus.Protocol.Tests.Fuzz;

/// <summary>Seeded byte mutations: bit flips, boundary bytes, truncation, insertion, hostile lengths.</summary>
internal static class Mutator
{
    public static byte[] Mutate(byte[] input, Random rng)
    {
        var data = (byte[])input.Clone();
        var rounds = rng.Next(1, 4);
        for (var round = 0; round < rounds; round++)
        {
            switch (rng.Next(7))
            {
                case 0 when data.Length > 0:
                    data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when data.Length > 0:
                    data[rng.Next(data.Length)] = (byte)(rng.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, _ => 0x80 });
                    break;
                case 2 when data.Length > 0:
                    data = data[..rng.Next(data.Length)];
                    break;
                case 3:
                {
                    var at = rng.Next(data.Length + 1);
                    var extra = new byte[rng.Next(1, 9)];
                    rng.NextBytes(extra);
                    data = [.. data[..at], .. extra, .. data[at..]];
                    break;
                }
                case 4 when data.Length >= 4:
                {
                    // A hostile int32 length or count.
                    var value = rng.Next(5) switch { 0 => int.MaxValue, 1 => -2, 2 => 1_000_000, 3 => data.Length, _ => -1 };
                    BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(rng.Next(data.Length - 3)), value);
                    break;
                }
                case 5 when data.Length >= 2:
                    BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(rng.Next(data.Length - 1)), (short)(rng.Next(2) == 0 ? short.MaxValue : -1));
                    break;
                case 6 when data.Length > 0:
                {
                    // An overlong varint.
                    var at = rng.Next(data.Length);
                    for (var i = at; i < Math.Min(data.Length, at + 6); i++)
                    {
                        data[i] = 0xFF;
                    }
                    break;
                }
            }
        }
        return data;
    }
}
