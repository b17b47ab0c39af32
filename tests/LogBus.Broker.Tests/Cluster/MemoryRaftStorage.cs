using LogBus.Broker.Cluster.Raft;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>
/// Raft storage in memory that survives a simulated crash (the node object is dropped, this object
/// plays the disk). Checks the contract the node must keep: appends continue or cut the log, snapshots
/// only cover what exists.
/// </summary>
internal sealed class MemoryRaftStorage : IRaftStorage
{
    private readonly List<RaftEntry> _entries = [];

    public long Term { get; private set; }

    public int VotedFor { get; private set; }

    public RaftSnapshot Snapshot { get; private set; } = RaftSnapshot.Empty;

    public int HardStateWrites { get; private set; }

    public IReadOnlyList<RaftEntry> Entries => _entries;

    public void SaveHardState(long term, int votedFor)
    {
        Assert.True(term >= Term, $"term went back from {Term} to {term}");
        Assert.False(term == Term && VotedFor != 0 && votedFor != VotedFor, $"vote changed within term {term}: {VotedFor} -> {votedFor}");
        Term = term;
        VotedFor = votedFor;
        HardStateWrites++;
    }

    public void Append(long fromIndex, IReadOnlyList<RaftEntry> entries)
    {
        var last = Snapshot.Index + _entries.Count;
        Assert.InRange(fromIndex, Snapshot.Index + 1, last + 1);
        _entries.RemoveRange((int)(fromIndex - Snapshot.Index - 1), (int)(last - fromIndex + 1));
        for (var i = 0; i < entries.Count; i++)
        {
            Assert.Equal(fromIndex + i, entries[i].Index);
            _entries.Add(entries[i]);
        }
    }

    public void SaveSnapshot(RaftSnapshot snapshot, bool keepSuffix)
    {
        Assert.True(snapshot.Index > Snapshot.Index, "snapshots move forward");
        if (keepSuffix)
        {
            var drop = (int)Math.Min(_entries.Count, snapshot.Index - Snapshot.Index);
            _entries.RemoveRange(0, drop);
        }
        else
        {
            _entries.Clear();
        }

        Snapshot = snapshot;
    }

    public RaftPersistentState Load() => new(Term, VotedFor, Snapshot, [.. _entries]);
}
