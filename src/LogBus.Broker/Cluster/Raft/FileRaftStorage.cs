using System.Buffers.Binary;
using System.Numerics;
using LogBus.Broker.Storage;

namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// Durable Raft storage in a directory of three files:
/// <list type="bullet">
/// <item><c>raft.state</c>: term and vote (atomic replace, CRC-32C).</item>
/// <item><c>raft.snapshot</c>: the latest snapshot (atomic replace, CRC-32C).</item>
/// <item><c>raft.log</c>: entries after the snapshot, each framed as
/// <c>[int32 length][uint32 crc32c][int64 index][int64 term][data]</c> (big endian), appended and fsynced.</item>
/// </list>
/// Every method returns after an fsync. Recovery keeps the longest valid prefix of the log (a torn
/// tail from a crash during an append is cut: that entry was never acknowledged). The metadata log is
/// small, so compaction simply rewrites the log file with the remaining suffix (atomic replace).
/// </summary>
/// <remarks>Not thread-safe: owned by the Raft driver thread.</remarks>
internal sealed class FileRaftStorage : IRaftStorage, IDisposable
{
    private const int HeaderSize = 4 + 4 + 8 + 8;
    private readonly string _directory;
    private readonly string _logPath;
    private readonly List<long> _positions = []; // file position of each entry after the snapshot
    private long _firstIndex = 1;
    private FileStream _log;

    private FileRaftStorage(string directory, FileStream log)
    {
        _directory = directory;
        _logPath = Path.Combine(directory, "raft.log");
        _log = log;
    }

    /// <summary>Opens (creating when missing) the storage in <paramref name="directory"/> and recovers its state.</summary>
    public static FileRaftStorage Open(string directory, out RaftPersistentState state)
    {
        Directory.CreateDirectory(directory);
        var term = 0L;
        var votedFor = 0;
        var statePath = Path.Combine(directory, "raft.state");
        if (TryReadChecked(statePath, out var stateBytes) && stateBytes.Length == 12)
        {
            term = BinaryPrimitives.ReadInt64BigEndian(stateBytes);
            votedFor = BinaryPrimitives.ReadInt32BigEndian(stateBytes.AsSpan(8));
        }

        var snapshot = RaftSnapshot.Empty;
        if (TryReadChecked(Path.Combine(directory, "raft.snapshot"), out var snapshotBytes) && snapshotBytes.Length >= 16)
        {
            snapshot = new RaftSnapshot(
                BinaryPrimitives.ReadInt64BigEndian(snapshotBytes),
                BinaryPrimitives.ReadInt64BigEndian(snapshotBytes.AsSpan(8)),
                snapshotBytes.AsSpan(16).ToArray());
        }

        var logPath = Path.Combine(directory, "raft.log");
        var stream = new FileStream(logPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        var storage = new FileRaftStorage(directory, stream) { _firstIndex = snapshot.Index + 1 };
        var entries = new List<RaftEntry>();
        var bytes = File.ReadAllBytes(logPath);
        var position = 0;
        var valid = 0L;
        while (position + HeaderSize <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            if (length < HeaderSize - 4 || position + 4 + length > bytes.Length)
            {
                break;
            }

            var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 4));
            var body = bytes.AsSpan(position + 8, length - 4);
            if (Crc(body) != crc)
            {
                break;
            }

            var index = BinaryPrimitives.ReadInt64BigEndian(body);
            var entryTerm = BinaryPrimitives.ReadInt64BigEndian(body[8..]);
            if (index > snapshot.Index)
            {
                if (index != snapshot.Index + 1 + entries.Count)
                {
                    break; // not contiguous with the snapshot: nothing after this can be used
                }

                entries.Add(new RaftEntry(index, entryTerm, body[16..].ToArray()));
                storage._positions.Add(position);
            }

            position += 4 + length;
            valid = position;
        }

        if (valid < bytes.Length)
        {
            stream.SetLength(valid); // cut a torn tail
            stream.Flush(flushToDisk: true);
        }

        stream.Position = valid;
        state = new RaftPersistentState(term, votedFor, snapshot, entries);
        return storage;
    }

    /// <inheritdoc/>
    public void SaveHardState(long term, int votedFor)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(bytes, term);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), votedFor);
        WriteChecked(Path.Combine(_directory, "raft.state"), bytes);
    }

    /// <inheritdoc/>
    public void Append(long fromIndex, IReadOnlyList<RaftEntry> entries)
    {
        var existing = fromIndex - _firstIndex;
        if (existing < _positions.Count)
        {
            var cut = _positions[(int)existing];
            _positions.RemoveRange((int)existing, _positions.Count - (int)existing);
            _log.SetLength(cut);
            _log.Position = cut;
        }

        var buffer = new MemoryStream();
        foreach (var entry in entries)
        {
            _positions.Add(_log.Position + buffer.Length);
            WriteEntry(buffer, entry);
        }

        _log.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        _log.Flush(flushToDisk: true);
    }

    /// <inheritdoc/>
    public void SaveSnapshot(RaftSnapshot snapshot, bool keepSuffix)
    {
        var bytes = new byte[16 + snapshot.Data.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, snapshot.Index);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), snapshot.Term);
        snapshot.Data.CopyTo(bytes.AsSpan(16));
        WriteChecked(Path.Combine(_directory, "raft.snapshot"), bytes);

        // Rewrite the log with the entries after the snapshot (none when the suffix is dropped). A
        // crash before the rename leaves the old log, whose covered prefix recovery skips.
        var kept = new List<RaftEntry>();
        if (keepSuffix)
        {
            _log.Position = 0;
            var all = new byte[_log.Length];
            _log.ReadExactly(all);
            for (var i = 0; i < _positions.Count; i++)
            {
                var index = _firstIndex + i;
                if (index <= snapshot.Index)
                {
                    continue;
                }

                var position = (int)_positions[i];
                var length = BinaryPrimitives.ReadInt32BigEndian(all.AsSpan(position));
                var body = all.AsSpan(position + 8, length - 4);
                kept.Add(new RaftEntry(index, BinaryPrimitives.ReadInt64BigEndian(body[8..]), body[16..].ToArray()));
            }
        }

        var buffer = new MemoryStream();
        _positions.Clear();
        foreach (var entry in kept)
        {
            _positions.Add(buffer.Length);
            WriteEntry(buffer, entry);
        }

        _log.Dispose();
        FileSystemSync.WriteAtomically(_logPath, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        _log = new FileStream(_logPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        _log.Position = _log.Length;
        _firstIndex = snapshot.Index + 1;
    }

    /// <inheritdoc/>
    public void Dispose() => _log.Dispose();

    private static void WriteEntry(MemoryStream buffer, RaftEntry entry)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        var body = new byte[16 + entry.Data.Length];
        BinaryPrimitives.WriteInt64BigEndian(body, entry.Index);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(8), entry.Term);
        entry.Data.CopyTo(body.AsSpan(16));
        BinaryPrimitives.WriteInt32BigEndian(header, 4 + body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], Crc(body));
        buffer.Write(header[..8]);
        buffer.Write(body);
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    private static void WriteChecked(string path, ReadOnlySpan<byte> content)
    {
        var bytes = new byte[content.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Crc(content));
        content.CopyTo(bytes.AsSpan(4));
        FileSystemSync.WriteAtomically(path, bytes);
    }

    private static bool TryReadChecked(string path, out byte[] content)
    {
        content = [];
        if (!File.Exists(path))
        {
            return false;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != Crc(bytes.AsSpan(4)))
        {
            // Written by atomic replace: a bad file is corruption, not a torn write. Refuse to start
            // rather than forget a vote (which could elect two leaders in one term).
            throw new StorageException(path, "Raft state file fails its checksum");
        }

        content = bytes[4..];
        return true;
    }
}
