using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogBus.Protocol;

/// <summary>
/// CRC-32C (Castagnoli), as used by Kafka record batches (magic v2). Uses the hardware CRC32
/// instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/> (SSE4.2 / ARMv8), which falls
/// back to a software table on hardware without it.
/// </summary>
/// <remarks>
/// The CRC instruction has a latency of about three cycles but can start one per cycle, so one
/// dependency chain uses a third of it. Long inputs are therefore cut into stripes of three equal
/// blocks whose CRCs run as three independent chains and are then combined: the register is linear
/// over GF(2), so <c>crc(r, A‖B) = shift(crc(r, A), |B|) ^ crc(0, B)</c>, where <c>shift(r, n)</c>
/// (the CRC of <c>n</c> zero bytes from register <c>r</c>) is itself linear in <c>r</c> and is
/// tabulated per block size at first use. The broker validates every produced batch with this, so its
/// speed bounds the append bandwidth.
/// </remarks>
public static class Crc32C
{
    private static readonly Stripe Large = new(1024);
    private static readonly Stripe Small = new(128);

    /// <summary>Computes the CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(uint.MaxValue, data);

    /// <summary>
    /// Continues a running CRC over <paramref name="data"/>. <paramref name="crc"/> is the raw register
    /// (start with <see cref="uint.MaxValue"/>, finish with bitwise NOT).
    /// </summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        if (BitConverter.IsLittleEndian)
        {
            if (data.Length >= 3 * Large.BlockBytes)
            {
                crc = Large.Update(crc, ref data);
            }
            if (data.Length >= 3 * Small.BlockBytes)
            {
                crc = Small.Update(crc, ref data);
            }
        }
        return UpdateSerial(crc, data);
    }

    /// <summary>One dependency chain, 8 bytes per step (short inputs and tails).</summary>
    internal static uint UpdateSerial(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        if (data.Length >= 4)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }

    /// <summary>Three-chain CRC over stripes of three blocks of <see cref="BlockBytes"/> each.</summary>
    private sealed class Stripe
    {
        // _shift[k * 256 + b] = shift(b << 8k, BlockBytes): the register after BlockBytes zero bytes.
        private readonly uint[] _shift = new uint[4 * 256];

        public Stripe(int blockBytes)
        {
            BlockBytes = blockBytes;
            var zeros = new byte[blockBytes];
            Span<uint> basis = stackalloc uint[32];
            for (var bit = 0; bit < 32; bit++)
            {
                basis[bit] = UpdateSerial(1u << bit, zeros);
            }
            for (var k = 0; k < 4; k++)
            {
                for (var b = 0; b < 256; b++)
                {
                    uint image = 0;
                    for (var bit = 0; bit < 8; bit++)
                    {
                        if ((b & (1 << bit)) != 0)
                        {
                            image ^= basis[(8 * k) + bit];
                        }
                    }
                    _shift[(k * 256) + b] = image;
                }
            }
        }

        public int BlockBytes { get; }

        /// <summary>Consumes whole stripes from the front of <paramref name="data"/> (little-endian hosts).</summary>
        public uint Update(uint crc, ref ReadOnlySpan<byte> data)
        {
            var block = BlockBytes;
            var stripes = data.Length / (3 * block);
            ref var start = ref MemoryMarshal.GetReference(data);
            var shift = _shift;
            for (var s = 0; s < stripes; s++)
            {
                ref var a = ref Unsafe.Add(ref start, s * 3 * block);
                ref var b = ref Unsafe.Add(ref a, block);
                ref var c = ref Unsafe.Add(ref a, 2 * block);
                uint crcA = crc, crcB = 0, crcC = 0;
                for (var i = 0; i < block; i += 8)
                {
                    crcA = BitOperations.Crc32C(crcA, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, i)));
                    crcB = BitOperations.Crc32C(crcB, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, i)));
                    crcC = BitOperations.Crc32C(crcC, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref c, i)));
                }
                crc = Shift(shift, Shift(shift, crcA) ^ crcB) ^ crcC;
            }
            data = data[(stripes * 3 * block)..];
            return crc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Shift(uint[] table, uint crc) =>
            table[crc & 0xFF] ^ table[256 + ((crc >> 8) & 0xFF)] ^ table[512 + ((crc >> 16) & 0xFF)] ^ table[768 + (crc >> 24)];
    }
}
