using LogBus.Broker.Cluster.Raft;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>
/// A deterministic cluster of <see cref="RaftNode"/>s over a simulated network with a fake clock:
/// messages get random delays (so they reorder), may be dropped or duplicated, and do not cross
/// partitions; nodes crash (volatile state lost, <see cref="MemoryRaftStorage"/> kept) and restart.
/// After every event it checks Raft's safety properties: election safety (one leader per term), log
/// matching, leader completeness and state machine safety (every node applies the same entry at an index).
/// Each node's state machine is the list of applied commands; snapshots encode that list.
/// </summary>
internal sealed class RaftSimulation
{
    private readonly Random _random;
    private readonly RaftOptions _options;
    private readonly PriorityQueue<RaftMessage, (long At, long Seq)> _network = new();
    private readonly Dictionary<long, int> _leaderOfTerm = [];
    private readonly Dictionary<long, (RaftEntry Entry, long MaxTermAtCommit)> _committed = [];
    private readonly HashSet<(int, int)> _cut = [];
    private long _seq;

    public RaftSimulation(int nodes, int seed, RaftOptions? options = null)
    {
        _random = new Random(seed);
        _options = options ?? new RaftOptions { ElectionTimeoutMinMs = 150, ElectionTimeoutMaxMs = 300, HeartbeatIntervalMs = 50, MaxEntriesPerAppend = 8 };
        Ids = Enumerable.Range(1, nodes).ToArray();
        foreach (var id in Ids)
        {
            Storage[id] = new MemoryRaftStorage();
            Applied[id] = [];
            Start(id);
        }
    }

    public int[] Ids { get; }

    public long Now { get; private set; }

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    public int MaxDelayMs { get; set; } = 10;

    public Dictionary<int, RaftNode?> Nodes { get; } = [];

    public Dictionary<int, MemoryRaftStorage> Storage { get; } = [];

    /// <summary>The commands each node applied, in order (restored from snapshots after restarts).</summary>
    public Dictionary<int, List<byte[]>> Applied { get; } = [];

    public IReadOnlyDictionary<long, (RaftEntry Entry, long MaxTermAtCommit)> Committed => _committed;

    public int? Leader => Nodes.Values.Where(n => n is { Role: RaftRole.Leader }).OrderByDescending(n => n!.Term).Select(n => (int?)n!.Id).FirstOrDefault();

    public void Crash(int id)
    {
        Nodes[id] = null;
    }

    public void Start(int id)
    {
        Applied[id] = [];
        Nodes[id] = new RaftNode(id, Ids, Storage[id].Load(), Storage[id], _options, new Random(_random.Next()), Now);
        Process(id);
    }

    public void Partition(params int[][] groups)
    {
        _cut.Clear();
        foreach (var a in Ids)
        {
            foreach (var b in Ids)
            {
                if (a != b && !groups.Any(g => g.Contains(a) && g.Contains(b)))
                {
                    _cut.Add((a, b));
                }
            }
        }
    }

    public void Heal() => _cut.Clear();

    /// <summary>Proposes a command at the current leader (if any); returns its index or -1.</summary>
    public long Propose(byte[] command)
    {
        var leader = Leader;
        if (leader is null)
        {
            return -1;
        }

        var index = Nodes[leader.Value]!.Propose(command);
        Process(leader.Value);
        return index;
    }

    /// <summary>Compacts a node's log at its applied index (when beyond its snapshot).</summary>
    public void Compact(int id)
    {
        var node = Nodes[id];
        var applied = Applied[id];
        if (node is null || applied.Count <= node.Snapshot.Index)
        {
            return;
        }

        node.Compact(applied.Count, EncodeState(applied));
    }

    /// <summary>Runs the simulation for <paramref name="ms"/> milliseconds of fake time (1 ms steps).</summary>
    public void Run(long ms)
    {
        var end = Now + ms;
        while (Now < end)
        {
            Now++;
            while (_network.TryPeek(out _, out var at) && at.At <= Now)
            {
                var message = _network.Dequeue();
                if (Nodes[message.To] is { } node)
                {
                    var wasLeader = node.Role == RaftRole.Leader;
                    node.Step(message, Now);
                    AfterStep(node, wasLeader);
                }
            }

            foreach (var id in Ids)
            {
                if (Nodes[id] is { } node)
                {
                    var wasLeader = node.Role == RaftRole.Leader;
                    node.Tick(Now);
                    AfterStep(node, wasLeader);
                }
            }

            if (Now % 10 == 0)
            {
                CheckLogMatching();
            }
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds, at most <paramref name="maxMs"/>; returns whether it held.</summary>
    public bool RunUntil(Func<bool> condition, long maxMs)
    {
        var end = Now + maxMs;
        while (Now < end)
        {
            if (condition())
            {
                return true;
            }

            Run(1);
        }

        return condition();
    }

    private void AfterStep(RaftNode node, bool wasLeader)
    {
        if (node.Role == RaftRole.Leader)
        {
            if (_leaderOfTerm.TryGetValue(node.Term, out var other))
            {
                Assert.True(other == node.Id, $"election safety: nodes {other} and {node.Id} both lead term {node.Term}");
            }
            else
            {
                _leaderOfTerm[node.Term] = node.Id;
            }

            if (!wasLeader)
            {
                CheckLeaderCompleteness(node);
            }
        }

        Process(node.Id);
    }

    private void Process(int id)
    {
        var node = Nodes[id]!;
        var ready = node.Drain();
        var applied = Applied[id];
        if (ready.Snapshot is { } snapshot)
        {
            var restored = DecodeState(snapshot.Data);
            Assert.Equal(snapshot.Index, restored.Count);
            for (var i = 0; i < restored.Count; i++)
            {
                CheckCommitted(new RaftEntry(i + 1, -1, restored[i]));
            }

            applied.Clear();
            applied.AddRange(restored);
        }

        foreach (var entry in ready.Committed)
        {
            Assert.Equal(applied.Count + 1, entry.Index);
            CheckCommitted(entry);
            applied.Add(entry.Data);
        }

        foreach (var message in ready.Messages)
        {
            Enqueue(message);
            if (_random.NextDouble() < DuplicateRate)
            {
                Enqueue(message);
            }
        }
    }

    private void Enqueue(RaftMessage message)
    {
        if (_cut.Contains((message.From, message.To)) || _random.NextDouble() < DropRate)
        {
            return;
        }

        _network.Enqueue(message, (Now + 1 + _random.Next(MaxDelayMs), _seq++));
    }

    private void CheckCommitted(RaftEntry entry)
    {
        if (_committed.TryGetValue(entry.Index, out var known))
        {
            Assert.True(known.Entry.Data.AsSpan().SequenceEqual(entry.Data), $"state machine safety: index {entry.Index} applied with different commands");
            Assert.True(entry.Term < 0 || known.Entry.Term < 0 || known.Entry.Term == entry.Term, $"state machine safety: index {entry.Index} applied with terms {known.Entry.Term} and {entry.Term}");
            if (known.Entry.Term < 0 && entry.Term >= 0)
            {
                _committed[entry.Index] = (entry, known.MaxTermAtCommit);
            }
        }
        else
        {
            var maxTerm = Storage.Values.Max(s => s.Term);
            _committed[entry.Index] = (entry, maxTerm);
        }
    }

    private void CheckLeaderCompleteness(RaftNode leader)
    {
        // Every entry known committed while all terms were below the leader's term is in its log.
        foreach (var (index, (entry, maxTermAtCommit)) in _committed)
        {
            if (maxTermAtCommit >= leader.Term || index <= leader.Snapshot.Index)
            {
                continue;
            }

            Assert.True(index <= leader.LastIndex, $"leader completeness: leader {leader.Id} of term {leader.Term} lacks committed index {index}");
            var term = leader.TermAt(index);
            Assert.True(entry.Term < 0 || term == entry.Term, $"leader completeness: leader {leader.Id} has term {term} at committed index {index} (committed term {entry.Term})");
        }
    }

    public void CheckLogMatching()
    {
        var live = Nodes.Values.Where(n => n is not null).Select(n => n!).ToArray();
        for (var a = 0; a < live.Length; a++)
        {
            for (var b = a + 1; b < live.Length; b++)
            {
                var x = live[a];
                var y = live[b];
                var low = Math.Max(x.Snapshot.Index, y.Snapshot.Index) + 1;
                var high = Math.Min(x.LastIndex, y.LastIndex);
                // Find the highest index where both logs have the same term: everything before must be identical.
                for (var i = high; i >= low; i--)
                {
                    if (x.TermAt(i) != y.TermAt(i))
                    {
                        continue;
                    }

                    for (var j = low; j <= i; j++)
                    {
                        var ex = x.Entries[(int)(j - x.Snapshot.Index - 1)];
                        var ey = y.Entries[(int)(j - y.Snapshot.Index - 1)];
                        Assert.True(ex.Term == ey.Term && ex.Data.AsSpan().SequenceEqual(ey.Data), $"log matching: nodes {x.Id} and {y.Id} agree at {i} but differ at {j}");
                    }

                    break;
                }
            }
        }
    }

    public static byte[] EncodeState(List<byte[]> applied)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write(applied.Count);
        foreach (var command in applied)
        {
            writer.Write(command.Length);
            writer.Write(command);
        }

        writer.Flush();
        return stream.ToArray();
    }

    public static List<byte[]> DecodeState(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data));
        var count = reader.ReadInt32();
        var result = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(reader.ReadBytes(reader.ReadInt32()));
        }

        return result;
    }
}
