using System.Diagnostics;

namespace LogBus.Broker.Storage;

/// <summary>
/// An append-only list of small structs for the sparse indexes: one writer, lock-free readers, and no
/// copying of what was written (so a 1 GiB segment's index never lands on the large-object heap or
/// gets copied as it grows). Entries live in chunks of 1024; the first chunk starts small and doubles
/// up to that size, so a partition with little data costs little memory.
/// </summary>
/// <remarks>
/// Publication: an entry (and any new chunk or chunk directory holding it) is written before the
/// count that covers it is published (volatile), so a reader that reads the count and then takes a
/// <see cref="Snapshot"/> sees valid entries below that count. Truncation publishes the smaller count
/// first and then a directory whose partially kept chunk is a copy and whose later chunks are gone, so
/// entries a reader can still see are never overwritten in place (a racing reader reads defaults).
/// </remarks>
internal sealed class ChunkedList<T>
    where T : struct
{
    private const int Shift = 10;
    private const int ChunkSize = 1 << Shift;
    private const int Mask = ChunkSize - 1;
    private const int FirstChunkInitialSize = 16;

    private T[]?[] _chunks = new T[]?[4];
    private int _count;

    /// <summary>Number of published entries.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>A consistent view for one lookup: the count, then the chunks.</summary>
    public Snapshot GetSnapshot()
    {
        var count = Volatile.Read(ref _count);
        return new Snapshot(Volatile.Read(ref _chunks), count);
    }

    /// <summary>Appends an entry (writer only).</summary>
    public void Add(T item)
    {
        var count = _count;
        var chunkIndex = count >> Shift;
        var slot = count & Mask;
        var chunks = _chunks;
        if (chunkIndex == chunks.Length)
        {
            var grown = new T[]?[chunks.Length * 2];
            Array.Copy(chunks, grown, chunks.Length);
            Volatile.Write(ref _chunks, grown);
            chunks = grown;
        }
        var chunk = chunks[chunkIndex];
        if (chunk is null)
        {
            chunk = new T[chunkIndex == 0 ? FirstChunkInitialSize : ChunkSize];
            Volatile.Write(ref chunks[chunkIndex], chunk);
        }
        else if (slot == chunk.Length)
        {
            Debug.Assert(chunkIndex == 0, "only the first chunk grows");
            var bigger = new T[Math.Min(chunk.Length * 2, ChunkSize)];
            Array.Copy(chunk, bigger, chunk.Length);
            Volatile.Write(ref chunks[chunkIndex], bigger);
            chunk = bigger;
        }
        chunk[slot] = item;
        Volatile.Write(ref _count, count + 1);
    }

    /// <summary>Keeps the first <paramref name="keep"/> entries (writer only).</summary>
    public void Truncate(int keep)
    {
        var count = _count;
        if (keep >= count)
        {
            return;
        }
        var chunks = _chunks;
        var fresh = new T[]?[chunks.Length];
        var fullChunks = keep >> Shift;
        Array.Copy(chunks, fresh, fullChunks); // untouched below the cut: shared
        var partial = keep & Mask;
        if (partial > 0)
        {
            var copy = new T[chunks[fullChunks]!.Length];
            Array.Copy(chunks[fullChunks]!, copy, partial);
            fresh[fullChunks] = copy;
        }
        Volatile.Write(ref _count, keep);
        Volatile.Write(ref _chunks, fresh);
    }

    /// <summary>A read-only view of the entries below <see cref="Count"/>.</summary>
    public readonly struct Snapshot
    {
        private readonly T[]?[] _chunks;

        internal Snapshot(T[]?[] chunks, int count)
        {
            _chunks = chunks;
            Count = count;
        }

        /// <summary>Entries visible in this view.</summary>
        public int Count { get; }

        /// <summary>
        /// The entry at <paramref name="index"/> (below <see cref="Count"/>). A view taken while a
        /// truncation is published may reach past the kept entries: it then reads <c>default</c>,
        /// never a torn or foreign entry (index users treat (0, 0) as "start of segment").
        /// </summary>
        public T this[int index]
        {
            get
            {
                var chunkIndex = index >> Shift;
                var chunk = chunkIndex < _chunks.Length ? _chunks[chunkIndex] : null;
                var slot = index & Mask;
                return chunk is not null && slot < chunk.Length ? chunk[slot] : default;
            }
        }
    }
}
