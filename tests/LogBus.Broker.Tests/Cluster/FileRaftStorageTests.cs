using LogBus.Broker.Cluster.Raft;
using LogBus.Broker.Storage;
using LogBus.Broker.Tests.Storage;

namespace LogBus.Broker.Tests.Cluster;

public sealed class FileRaftStorageTests
{
    private static RaftEntry Entry(long index, long term, string data) => new(index, term, System.Text.Encoding.UTF8.GetBytes(data));

    [Fact]
    public void State_log_and_snapshot_survive_reopen_and_truncation()
    {
        using var dir = new TempDirectory();
        using (var storage = FileRaftStorage.Open(dir.Path, out var empty))
        {
            Assert.Equal(RaftPersistentState.Empty.Term, empty.Term);
            Assert.Empty(empty.Entries);
            storage.SaveHardState(3, 2);
            storage.Append(1, [Entry(1, 1, "a"), Entry(2, 1, "b"), Entry(3, 2, "c")]);
            storage.Append(3, [Entry(3, 3, "c2"), Entry(4, 3, "d")]); // conflict: cut at 3
        }

        using (var storage = FileRaftStorage.Open(dir.Path, out var state))
        {
            Assert.Equal((3L, 2), (state.Term, state.VotedFor));
            Assert.Equal(["a", "b", "c2", "d"], state.Entries.Select(e => System.Text.Encoding.UTF8.GetString(e.Data)));
            Assert.Equal([1L, 1, 3, 3], state.Entries.Select(e => e.Term));
            storage.SaveSnapshot(new RaftSnapshot(2, 1, [42]), keepSuffix: true);
            storage.Append(5, [Entry(5, 3, "e")]);
        }

        using (var storage = FileRaftStorage.Open(dir.Path, out var state))
        {
            Assert.Equal(2, state.Snapshot.Index);
            Assert.Equal([42], state.Snapshot.Data);
            Assert.Equal([3L, 4, 5], state.Entries.Select(e => e.Index));
            storage.SaveSnapshot(new RaftSnapshot(9, 4, [7]), keepSuffix: false);
        }

        using (FileRaftStorage.Open(dir.Path, out var state))
        {
            Assert.Equal(9, state.Snapshot.Index);
            Assert.Empty(state.Entries);
        }
    }

    [Fact]
    public void Torn_tail_is_cut_and_corrupt_state_refused()
    {
        using var dir = new TempDirectory();
        using (var storage = FileRaftStorage.Open(dir.Path, out _))
        {
            storage.Append(1, [Entry(1, 1, "a"), Entry(2, 1, "bbbbbbbb")]);
        }

        var log = Path.Combine(dir.Path, "raft.log");
        var length = new FileInfo(log).Length;
        using (var stream = new FileStream(log, FileMode.Open))
        {
            stream.SetLength(length - 3); // a crash in the middle of the second entry
        }

        using (var storage = FileRaftStorage.Open(dir.Path, out var state))
        {
            Assert.Equal([1L], state.Entries.Select(e => e.Index));
            storage.Append(2, [Entry(2, 2, "x")]);
        }

        using (FileRaftStorage.Open(dir.Path, out var state))
        {
            Assert.Equal([1L, 2], state.Entries.Select(e => e.Index));
        }

        using (var storage = FileRaftStorage.Open(dir.Path, out _))
        {
            storage.SaveHardState(5, 1);
        }

        var statePath = Path.Combine(dir.Path, "raft.state");
        var bytes = File.ReadAllBytes(statePath);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(statePath, bytes);
        Assert.Throws<StorageException>(() => FileRaftStorage.Open(dir.Path, out _));
    }
}
