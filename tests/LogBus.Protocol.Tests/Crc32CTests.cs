using System.Text;
using LogBus.Protocol;

namespace LogBus.Protocol.Tests;

public class Crc32CTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("123456789", 0xE3069283u)] // the standard CRC-32C check value
    [InlineData("The quick brown fox jumps over the lazy dog", 0x22620404u)]
    public void Known_vectors(string text, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Update_in_pieces_equals_one_pass()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        for (var split = 0; split <= data.Length; split += 37)
        {
            var crc = Crc32C.Update(uint.MaxValue, data.AsSpan(0, split));
            crc = ~Crc32C.Update(crc, data.AsSpan(split));
            Assert.Equal(Crc32C.Compute(data), crc);
        }
    }

    [Fact]
    public void All_zero_32_bytes_matches_rfc3720_vector() =>
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));

    [Fact]
    public void Striped_path_equals_one_chain_for_every_length_around_the_stripe_sizes()
    {
        var data = new byte[5 * 3 * 1024 + 3 * 128 + 300];
        new Random(11).NextBytes(data);
        var lengths = new List<int>();
        for (var n = 0; n <= 800; n++)
        {
            lengths.Add(n);
        }
        foreach (var edge in new[] { 3 * 1024, 2 * 3 * 1024, 5 * 3 * 1024 })
        {
            for (var d = -20; d <= 20; d++)
            {
                lengths.Add(edge + d);
            }
        }
        lengths.Add(data.Length);
        foreach (var length in lengths)
        {
            foreach (var offset in new[] { 0, 1, 7 })
            {
                var span = data.AsSpan(offset, Math.Min(length, data.Length - offset));
                Assert.Equal(~Crc32C.UpdateSerial(uint.MaxValue, span), Crc32C.Compute(span));
                Assert.Equal(Crc32C.UpdateSerial(0x12345678u, span), Crc32C.Update(0x12345678u, span));
            }
        }
    }

    [Fact]
    public void Large_input_matches_a_bitwise_reference()
    {
        var data = new byte[20_000];
        new Random(3).NextBytes(data);
        // Reflected CRC-32C, one bit at a time: independent of the hardware instruction and the striping.
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        Assert.Equal(~crc, Crc32C.Compute(data));
    }
}
