using System.Diagnostics;

namespace LogBus.Broker.Cluster.Raft;

/// <summary>
/// The Raft consensus core of one node (Ongaro and Ousterhout, "In Search of an Understandable Consensus
/// Algorithm", with leader stickiness and check-quorum from the thesis, §4.2.3 and §6.2): term, vote, log,
/// commit index, elections and log replication, snapshots. It is a deterministic state machine without
/// I/O, threads or clocks of its own: the driver feeds it time (<see cref="Tick"/>), received messages
/// (<see cref="Step"/>) and proposals (<see cref="Propose"/>), and after each call takes the resulting
/// work with <see cref="Drain"/> (messages to send, entries to apply). Durable state is written through
/// <see cref="IRaftStorage"/> synchronously before any message that depends on it is queued, so a
/// message sent after <see cref="Drain"/> never promises something a crash could forget.
/// </summary>
/// <remarks>
/// Not thread-safe: one driver thread owns the node. The voter set is fixed at construction.
/// </remarks>
internal sealed partial class RaftNode
{
    private readonly RaftOptions _options;
    private readonly IRaftStorage _storage;
    private readonly Random _random;
    private readonly int[] _peers;
    private readonly int _quorum;

    // Entries after _snapshot.Index, contiguous: _log[i].Index == _snapshot.Index + 1 + i.
    private readonly List<RaftEntry> _log;
    private RaftSnapshot _snapshot;

    private readonly List<RaftMessage> _outbox = [];
    private RaftSnapshot? _pendingSnapshot;
    private long _lastApplied;

    private long _now;
    private long _electionDeadline;
    private long _lastLeaderContact = long.MinValue / 2;

    /// <summary>Creates a node recovered from <paramref name="state"/> as a follower without a leader.</summary>
    /// <param name="id">This node's id (positive).</param>
    /// <param name="voters">Every voter's id, this node included.</param>
    /// <param name="state">What storage recovered.</param>
    /// <param name="storage">Where durable state goes.</param>
    /// <param name="options">Timing and batching.</param>
    /// <param name="random">Source of election timeouts (seeded in tests for determinism).</param>
    /// <param name="nowMs">The current time.</param>
    public RaftNode(int id, IReadOnlyCollection<int> voters, RaftPersistentState state, IRaftStorage storage, RaftOptions options, Random random, long nowMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(id);
        if (!voters.Contains(id))
        {
            throw new ArgumentException($"Node {id} is not one of the voters {string.Join(",", voters)}.", nameof(voters));
        }

        Id = id;
        _peers = voters.Where(v => v != id).Distinct().Order().ToArray();
        _quorum = (_peers.Length + 1) / 2 + 1;
        _storage = storage;
        _options = options;
        _random = random;
        Term = state.Term;
        VotedFor = state.VotedFor;
        _snapshot = state.Snapshot;
        _log = [.. state.Entries];
        for (var i = 0; i < _log.Count; i++)
        {
            if (_log[i].Index != _snapshot.Index + 1 + i)
            {
                throw new ArgumentException($"Recovered Raft log is not contiguous at entry {i} (index {_log[i].Index}, snapshot {_snapshot.Index}).", nameof(state));
            }
        }

        CommitIndex = _snapshot.Index;
        _lastApplied = _snapshot.Index;
        if (_snapshot.Index > 0)
        {
            _pendingSnapshot = _snapshot;
        }

        _now = nowMs;
        Role = RaftRole.Follower;
        ResetElectionDeadline();
    }

    /// <summary>This node's id.</summary>
    public int Id { get; }

    /// <summary>The current term.</summary>
    public long Term { get; private set; }

    /// <summary>Whom this node voted for in <see cref="Term"/> (0: nobody).</summary>
    public int VotedFor { get; private set; }

    /// <summary>The role in <see cref="Term"/>.</summary>
    public RaftRole Role { get; private set; }

    /// <summary>The leader this node knows for <see cref="Term"/> (0: unknown).</summary>
    public int LeaderId { get; private set; }

    /// <summary>Highest index known to be committed.</summary>
    public long CommitIndex { get; private set; }

    /// <summary>
    /// The highest commit index a leader has told this node about (its own commit index while leading).
    /// A restarted node has caught up with the cluster's metadata once it applied this far.
    /// </summary>
    public long LeaderCommit { get; private set; }

    /// <summary>Index of the last entry (the snapshot's index when the log is empty).</summary>
    public long LastIndex => _snapshot.Index + _log.Count;

    /// <summary>Term of the last entry.</summary>
    public long LastTerm => _log.Count == 0 ? _snapshot.Term : _log[^1].Term;

    /// <summary>The latest snapshot (entries up to its index are gone from the log).</summary>
    public RaftSnapshot Snapshot => _snapshot;

    /// <summary>The entries after the snapshot (for tests and diagnostics).</summary>
    public IReadOnlyList<RaftEntry> Entries => _log;

    /// <summary>The voters other than this node.</summary>
    public IReadOnlyList<int> Peers => _peers;

    /// <summary>Term of the entry at <paramref name="index"/>; -1 when it is compacted away (below the snapshot) or beyond the log.</summary>
    public long TermAt(long index)
    {
        if (index == _snapshot.Index)
        {
            return _snapshot.Term;
        }

        if (index < _snapshot.Index || index > LastIndex)
        {
            return -1;
        }

        return _log[(int)(index - _snapshot.Index - 1)].Term;
    }

    /// <summary>Advances the clock: followers and candidates start an election when their timeout passed; the leader sends heartbeats and checks that a quorum still answers.</summary>
    public void Tick(long nowMs)
    {
        Debug.Assert(nowMs >= _now, "time never goes backwards");
        _now = Math.Max(_now, nowMs);
        if (Role == RaftRole.Leader)
        {
            TickLeader();
        }
        else if (_now >= _electionDeadline)
        {
            StartElection();
        }
    }

    /// <summary>Handles a message addressed to this node.</summary>
    public void Step(RaftMessage message, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(message);
        Debug.Assert(message.To == Id, "message delivered to its addressee");
        _now = Math.Max(_now, nowMs);
        if (message.Term > Term)
        {
            if (message.Kind == RaftMessageKind.VoteRequest && InLease())
            {
                // Leader stickiness: a node that heard from a live leader recently ignores candidates,
                // so a node returning from a partition cannot depose a healthy leader by vote requests.
                return;
            }

            var leader = message.Kind is RaftMessageKind.AppendRequest or RaftMessageKind.SnapshotRequest ? message.From : 0;
            BecomeFollower(message.Term, leader);
        }
        else if (message.Term < Term)
        {
            if (message.Kind is RaftMessageKind.AppendRequest or RaftMessageKind.SnapshotRequest)
            {
                // Tell the stale leader about the newer term so it steps down.
                Send(new RaftMessage { Kind = RaftMessageKind.AppendResponse, From = Id, To = message.From, Term = Term, LogIndex = message.LogIndex, Success = false, RejectHint = -1 });
            }

            return;
        }

        switch (message.Kind)
        {
            case RaftMessageKind.VoteRequest:
                HandleVoteRequest(message);
                break;
            case RaftMessageKind.VoteResponse:
                HandleVoteResponse(message);
                break;
            case RaftMessageKind.AppendRequest:
                HeardFromLeader(message.From);
                HandleAppendRequest(message);
                break;
            case RaftMessageKind.AppendResponse:
                HandleAppendResponse(message);
                break;
            case RaftMessageKind.SnapshotRequest:
                HeardFromLeader(message.From);
                HandleSnapshotRequest(message);
                break;
            default:
                break; // unknown kinds are ignored (the transport already validated the encoding)
        }
    }

    /// <summary>Appends a command to the log when this node is the leader.</summary>
    /// <returns>The entry's index, or -1 when this node is not the leader. The command is committed when an entry with this index and the current term is applied; an entry with the same index and another term means it was lost.</returns>
    public long Propose(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Role != RaftRole.Leader)
        {
            return -1;
        }

        var entry = new RaftEntry(LastIndex + 1, Term, data);
        AppendLocal([entry]);
        BroadcastAppend();
        MaybeAdvanceCommit();
        return entry.Index;
    }

    /// <summary>
    /// Replaces the log up to <paramref name="index"/> (already applied) by a snapshot of the state
    /// machine taken at that index. Persisted before it returns.
    /// </summary>
    public void Compact(long index, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (index > _lastApplied || index <= _snapshot.Index)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A snapshot must cover applied entries beyond the current snapshot ({_snapshot.Index}..{_lastApplied}].");
        }

        var snapshot = new RaftSnapshot(index, TermAt(index), data);
        _storage.SaveSnapshot(snapshot, keepSuffix: true);
        _log.RemoveRange(0, (int)(index - _snapshot.Index));
        _snapshot = snapshot;
    }

    /// <summary>Takes the work produced since the last call: messages, a snapshot to restore, entries to apply.</summary>
    public RaftReady Drain()
    {
        IReadOnlyList<RaftMessage> messages = _outbox.Count == 0 ? [] : [.. _outbox];
        _outbox.Clear();
        var snapshot = _pendingSnapshot;
        _pendingSnapshot = null;
        IReadOnlyList<RaftEntry> committed = [];
        if (CommitIndex > _lastApplied)
        {
            var from = (int)(_lastApplied - _snapshot.Index);
            Debug.Assert(from >= 0, "entries to apply are never compacted before they are applied");
            committed = _log.GetRange(from, (int)(CommitIndex - _lastApplied));
            _lastApplied = CommitIndex;
        }

        return new RaftReady(messages, snapshot, committed);
    }

    private void Send(RaftMessage message) => _outbox.Add(message);

    private void BecomeFollower(long term, int leader)
    {
        if (term != Term)
        {
            Term = term;
            VotedFor = 0;
            _storage.SaveHardState(Term, VotedFor);
        }

        Role = RaftRole.Follower;
        LeaderId = leader;
        if (leader != 0)
        {
            _lastLeaderContact = _now;
        }

        ResetElectionDeadline();
    }

    private void HeardFromLeader(int leader)
    {
        if (Role == RaftRole.Candidate)
        {
            BecomeFollower(Term, leader);
        }

        Debug.Assert(Role != RaftRole.Leader || leader == Id, "two leaders in one term");
        LeaderId = leader;
        _lastLeaderContact = _now;
        ResetElectionDeadline();
    }

    private bool InLease() =>
        Role == RaftRole.Leader
            ? _now - _leaderQuorumContact < _options.ElectionTimeoutMinMs
            : LeaderId != 0 && _now - _lastLeaderContact < _options.ElectionTimeoutMinMs;

    private void ResetElectionDeadline() =>
        _electionDeadline = _now + _options.ElectionTimeoutMinMs + _random.NextInt64(Math.Max(1, _options.ElectionTimeoutMaxMs - _options.ElectionTimeoutMinMs));

    private void AppendLocal(IReadOnlyList<RaftEntry> entries)
    {
        Debug.Assert(entries.Count == 0 || entries[0].Index == LastIndex + 1, "appends continue the log");
        _storage.Append(LastIndex + 1, entries);
        _log.AddRange(entries);
    }
}
