using LogBus.Transport.Kafka.Client;

namespace LogBus.Transport.Kafka.Tests.Unit;

public sealed class RecordArenaTests
{
    [Fact]
    public void Copies_are_independent_of_the_source_and_share_chunks()
    {
        var arena = new RecordArena();
        var source = new byte[] { 1, 2, 3 };
        var a = arena.Copy(source);
        source[0] = 9;
        var b = arena.Copy(source);
        Assert.Equal([1, 2, 3], a.ToArray());
        Assert.Equal([9, 2, 3], b.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(a, out var sa));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(b, out var sb));
        Assert.Same(sa.Array, sb.Array);
        Assert.True(arena.Copy(ReadOnlySpan<byte>.Empty).IsEmpty);
        Assert.Equal(10_000, arena.Copy(new byte[10_000]).Length);
    }

    [Fact]
    public void Header_names_are_interned()
    {
        var arena = new RecordArena();
        var first = arena.Name("message-id"u8);
        Assert.Same(first, arena.Name("message-id"u8));
        Assert.Equal("content-type", arena.Name("content-type"u8));
    }
}
