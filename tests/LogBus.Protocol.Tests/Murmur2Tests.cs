using System.Text;

namespace LogBus.Protocol.Tests;

public class Murmur2Tests
{
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("abc", 479470107)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    public void Matches_the_java_client(string key, int expected) =>
        Assert.Equal(expected, Murmur2.Hash(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Partition_is_to_positive_modulo_count()
    {
        // toPositive(-973932308) = 1173551340; 1173551340 % 3 = 0, % 7 = 4.
        Assert.Equal(1173551340, Murmur2.ToPositive(-973932308));
        Assert.Equal(1173551340 % 3, Murmur2.Partition("21"u8, 3));
        Assert.Equal(1173551340 % 7, Murmur2.Partition("21"u8, 7));
        Assert.Equal(0, Murmur2.ToPositive(int.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => Murmur2.Partition("x"u8, 0));
    }

    [Fact]
    public void Every_tail_length_is_hashed()
    {
        // Lengths 0..7 exercise each remainder branch; changing the last byte must change the hash.
        for (var n = 1; n <= 8; n++)
        {
            var a = new byte[n];
            var b = new byte[n];
            b[^1] = 1;
            Assert.NotEqual(Murmur2.Hash(a), Murmur2.Hash(b));
        }
    }
}
