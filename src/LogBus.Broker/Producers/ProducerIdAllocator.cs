using System.Buffers.Binary;
using LogBus.Broker.Storage;
using LogBus.Protocol;

namespace LogBus.Broker.Producers;

/// <summary>
/// Hands out producer ids for InitProducerId. Ids come from blocks of <see cref="BlockSize"/>; the end
/// of the current block is persisted (fsynced) in <c>&lt;data&gt;/.producer-ids</c> before any id of the
/// block is handed out, so ids never repeat across restarts (a crash skips the rest of a block).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class ProducerIdAllocator
{
    /// <summary>File name in the data directory.</summary>
    public const string FileName = ".producer-ids";

    /// <summary>Ids reserved per persisted block.</summary>
    public const int BlockSize = 1000;

    private readonly object _lock = new();
    private readonly string _path;
    private long _next;
    private long _blockEnd;

    private ProducerIdAllocator(string path, long next)
    {
        _path = path;
        _next = next;
        _blockEnd = next;
    }

    /// <summary>Opens the allocator of a data directory; the first id handed out is the persisted block end.</summary>
    /// <exception cref="StorageException">The file is unreadable or corrupt.</exception>
    public static ProducerIdAllocator Open(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        long next = 0;
        try
        {
            if (File.Exists(path))
            {
                var bytes = File.ReadAllBytes(path);
                if (bytes.Length != 12 || Crc32C.Compute(bytes.AsSpan(0, 8)) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)))
                {
                    throw new StorageException(path, "producer id block file is corrupt");
                }
                next = BinaryPrimitives.ReadInt64BigEndian(bytes);
                if (next < 0)
                {
                    throw new StorageException(path, "producer id block file holds a negative id");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"cannot read producer id block file: {e.Message}", e);
        }
        return new ProducerIdAllocator(path, next);
    }

    /// <summary>The next id that would be handed out (tests).</summary>
    public long Peek()
    {
        lock (_lock)
        {
            return _next;
        }
    }

    /// <summary>A new producer id, never handed out before by this data directory.</summary>
    public long Allocate()
    {
        lock (_lock)
        {
            if (_next == _blockEnd)
            {
                var end = _blockEnd + BlockSize;
                Span<byte> bytes = stackalloc byte[12];
                BinaryPrimitives.WriteInt64BigEndian(bytes, end);
                BinaryPrimitives.WriteUInt32BigEndian(bytes[8..], Crc32C.Compute(bytes[..8]));
                FileSystemSync.WriteAtomically(_path, bytes);
                _blockEnd = end;
            }
            return _next++;
        }
    }
}
