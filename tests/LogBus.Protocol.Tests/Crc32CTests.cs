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
}
