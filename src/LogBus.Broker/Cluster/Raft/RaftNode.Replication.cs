using System.Diagnostics;

namespace LogBus.Broker.Cluster.Raft;

internal sealed partial class RaftNode
{
    // Leader state, reset by BecomeLeader.
    private readonly Dictionary<int, long> _nextIndex = [];
    private readonly Dictionary<int, long> _matchIndex = [];
    private readonly HashSet<int> _ackedSinceCheck = [];
    private long _nextHeartbeat;
    private long _nextQuorumCheck;
    private long _leaderQuorumContact;

    private void BecomeLeader()
    {
        Role = RaftRole.Leader;
        LeaderId = Id;
        foreach (var peer in _peers)
        {
            _nextIndex[peer] = LastIndex + 1;
            _matchIndex[peer] = 0;
        }

        _ackedSinceCheck.Clear();
        _leaderQuorumContact = _now;
        _nextQuorumCheck = _now + _options.ElectionTimeoutMaxMs;
        _nextHeartbeat = _now + _options.HeartbeatIntervalMs;

        // A leader commits entries of earlier terms only through an entry of its own term (§5.4.2):
        // the no-op makes everything before it committed as soon as a quorum has it.
        AppendLocal([new RaftEntry(LastIndex + 1, Term, [])]);
        BroadcastAppend();
        MaybeAdvanceCommit();
    }

    private void TickLeader()
    {
        if (_now >= _nextQuorumCheck)
        {
            // Check quorum: a leader that did not hear from a majority during a whole election timeout
            // steps down, so a partitioned leader stops accepting proposals it can never commit.
            if (_ackedSinceCheck.Count + 1 < _quorum)
            {
                BecomeFollower(Term, 0);
                return;
            }

            _ackedSinceCheck.Clear();
            _nextQuorumCheck = _now + _options.ElectionTimeoutMaxMs;
        }

        if (_now >= _nextHeartbeat)
        {
            _nextHeartbeat = _now + _options.HeartbeatIntervalMs;
            BroadcastAppend();
        }
    }

    private void BroadcastAppend()
    {
        foreach (var peer in _peers)
        {
            SendAppend(peer);
        }
    }

    private void SendAppend(int peer)
    {
        var next = _nextIndex[peer];
        if (next <= _snapshot.Index)
        {
            Send(new RaftMessage { Kind = RaftMessageKind.SnapshotRequest, From = Id, To = peer, Term = Term, Snapshot = _snapshot, Commit = CommitIndex });
            return;
        }

        var prev = next - 1;
        var count = (int)Math.Min(_options.MaxEntriesPerAppend, LastIndex - prev);
        IReadOnlyList<RaftEntry> entries = count == 0 ? [] : _log.GetRange((int)(next - _snapshot.Index - 1), count);
        Send(new RaftMessage
        {
            Kind = RaftMessageKind.AppendRequest,
            From = Id,
            To = peer,
            Term = Term,
            LogIndex = prev,
            LogTerm = TermAt(prev),
            Commit = CommitIndex,
            Entries = entries,
        });
    }

    private void HandleAppendRequest(RaftMessage message)
    {
        LeaderCommit = Math.Max(LeaderCommit, message.Commit);
        if (message.LogIndex < CommitIndex)
        {
            // Everything up to our commit index matches the leader's log (leader completeness); answer
            // with it and let the leader continue from there.
            Send(new RaftMessage { Kind = RaftMessageKind.AppendResponse, From = Id, To = message.From, Term = Term, LogIndex = CommitIndex, Success = true });
            return;
        }

        if (TermAt(message.LogIndex) != message.LogTerm)
        {
            Send(new RaftMessage
            {
                Kind = RaftMessageKind.AppendResponse,
                From = Id,
                To = message.From,
                Term = Term,
                LogIndex = message.LogIndex,
                Success = false,
                RejectHint = RejectHint(message.LogIndex),
            });
            return;
        }

        var entries = message.Entries;
        var lastNew = message.LogIndex + entries.Count;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            Debug.Assert(entry.Index == message.LogIndex + 1 + i, "append entries are contiguous");
            if (entry.Index <= LastIndex && TermAt(entry.Index) == entry.Term)
            {
                continue; // already have it (log matching: then everything before matches too)
            }

            // First conflicting or new entry: cut our log here and take the rest from the leader.
            Debug.Assert(entry.Index > CommitIndex, "a committed entry is never overwritten");
            if (entry.Index <= LastIndex)
            {
                _log.RemoveRange((int)(entry.Index - _snapshot.Index - 1), (int)(LastIndex - entry.Index + 1));
            }

            var rest = new RaftEntry[entries.Count - i];
            for (var j = i; j < entries.Count; j++)
            {
                rest[j - i] = entries[j];
            }

            _storage.Append(entry.Index, rest);
            _log.AddRange(rest);
            break;
        }

        var commit = Math.Min(message.Commit, lastNew);
        if (commit > CommitIndex)
        {
            CommitIndex = commit;
        }

        Send(new RaftMessage { Kind = RaftMessageKind.AppendResponse, From = Id, To = message.From, Term = Term, LogIndex = lastNew, Success = true });
    }

    private long RejectHint(long rejectedIndex)
    {
        if (rejectedIndex > LastIndex)
        {
            return LastIndex;
        }

        // Skip the whole conflicting term at once (§5.3 optimization), never below the commit index.
        var conflictTerm = TermAt(rejectedIndex);
        var index = rejectedIndex - 1;
        while (index > CommitIndex && TermAt(index) == conflictTerm)
        {
            index--;
        }

        return index;
    }

    private void HandleAppendResponse(RaftMessage message)
    {
        if (Role != RaftRole.Leader || !_matchIndex.TryGetValue(message.From, out var match))
        {
            return;
        }

        _ackedSinceCheck.Add(message.From);
        if (_ackedSinceCheck.Count + 1 >= _quorum)
        {
            _leaderQuorumContact = _now;
        }

        if (message.Success)
        {
            if (message.LogIndex <= match)
            {
                return; // duplicate or reordered acknowledgement
            }

            Debug.Assert(message.LogIndex <= LastIndex, "a follower never matches beyond the leader's log");
            _matchIndex[message.From] = message.LogIndex;
            _nextIndex[message.From] = Math.Max(_nextIndex[message.From], message.LogIndex + 1);
            if (!MaybeAdvanceCommit() && _nextIndex[message.From] <= LastIndex)
            {
                SendAppend(message.From);
            }

            return;
        }

        if (message.LogIndex < match || message.RejectHint < 0)
        {
            return; // stale rejection
        }

        _nextIndex[message.From] = Math.Max(match + 1, Math.Min(message.LogIndex, message.RejectHint + 1));
        SendAppend(message.From);
    }

    private bool MaybeAdvanceCommit()
    {
        Span<long> matches = stackalloc long[_peers.Length + 1];
        matches[0] = LastIndex;
        for (var i = 0; i < _peers.Length; i++)
        {
            matches[i + 1] = _matchIndex[_peers[i]];
        }

        matches.Sort();
        var quorumIndex = matches[matches.Length - _quorum];
        if (quorumIndex > CommitIndex && TermAt(quorumIndex) == Term)
        {
            CommitIndex = quorumIndex;
            LeaderCommit = Math.Max(LeaderCommit, quorumIndex);
            BroadcastAppend(); // followers learn the new commit index at once (they apply metadata locally)
            return true;
        }

        return false;
    }

    private void HandleSnapshotRequest(RaftMessage message)
    {
        var snapshot = message.Snapshot;
        if (snapshot is null)
        {
            return;
        }

        LeaderCommit = Math.Max(LeaderCommit, Math.Max(message.Commit, snapshot.Index));

        if (snapshot.Index > CommitIndex)
        {
            var keepSuffix = TermAt(snapshot.Index) == snapshot.Term;
            _storage.SaveSnapshot(snapshot, keepSuffix);
            if (keepSuffix)
            {
                _log.RemoveRange(0, (int)(snapshot.Index - _snapshot.Index));
            }
            else
            {
                _log.Clear();
            }

            _snapshot = snapshot;
            CommitIndex = snapshot.Index;
            _lastApplied = snapshot.Index;
            _pendingSnapshot = snapshot;
        }

        Send(new RaftMessage { Kind = RaftMessageKind.AppendResponse, From = Id, To = message.From, Term = Term, LogIndex = CommitIndex, Success = true });
    }
}
