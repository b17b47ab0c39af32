using System.Text;

namespace LogBus.Transport.Kafka.Client;

/// <summary>
/// Copies the keys, values and header values of decoded records into shared chunks, so records
/// cost no array each and outlive the (pooled) fetch response they came from. Chunks are ordinary
/// GC arrays below the large-object threshold, freed when no record refers to them any more.
/// Also interns header names, which repeat on every record. One owner at a time; not thread-safe.
/// </summary>
internal sealed class RecordArena
{
    private const int ChunkSize = 32 * 1024;
    private const int LargeValue = 4 * 1024;
    private readonly string?[] _names = new string?[64];
    private readonly byte[]?[] _nameBytes = new byte[]?[64];
    private byte[] _chunk = [];
    private int _used;

    /// <summary>Copies <paramref name="data"/>; empty data needs no copy.</summary>
    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        if (data.Length >= LargeValue)
        {
            var large = GC.AllocateUninitializedArray<byte>(data.Length);
            data.CopyTo(large);
            return large;
        }
        if (_chunk.Length - _used < data.Length)
        {
            // Uninitialised: every byte handed out is overwritten by the copy, so zeroing is waste.
            _chunk = GC.AllocateUninitializedArray<byte>(ChunkSize);
            _used = 0;
        }
        data.CopyTo(_chunk.AsSpan(_used));
        var memory = new ReadOnlyMemory<byte>(_chunk, _used, data.Length);
        _used += data.Length;
        return memory;
    }

    /// <summary>The string of a UTF-8 header name, from a small cache of recently seen names.</summary>
    public string Name(ReadOnlySpan<byte> utf8)
    {
        var hash = 17;
        foreach (var b in utf8)
        {
            hash = (hash * 31) + b;
        }
        var slot = (int)((uint)hash % (uint)_names.Length);
        if (_nameBytes[slot] is { } known && utf8.SequenceEqual(known))
        {
            return _names[slot]!;
        }
        var name = Encoding.UTF8.GetString(utf8);
        _nameBytes[slot] = utf8.ToArray();
        _names[slot] = name;
        return name;
    }
}
