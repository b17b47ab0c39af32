namespace LogBus.Broker.Cluster.Raft;

internal sealed partial class RaftNode
{
    private readonly HashSet<int> _votes = [];

    private void StartElection()
    {
        Term++;
        VotedFor = Id;
        _storage.SaveHardState(Term, VotedFor);
        Role = RaftRole.Candidate;
        LeaderId = 0;
        _votes.Clear();
        _votes.Add(Id);
        ResetElectionDeadline();
        if (_votes.Count >= _quorum)
        {
            BecomeLeader();
            return;
        }

        foreach (var peer in _peers)
        {
            Send(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = Id, To = peer, Term = Term, LogIndex = LastIndex, LogTerm = LastTerm });
        }
    }

    private void HandleVoteRequest(RaftMessage message)
    {
        // Election restriction (§5.4.1): only a candidate whose log is at least as up to date as ours.
        var upToDate = message.LogTerm > LastTerm || (message.LogTerm == LastTerm && message.LogIndex >= LastIndex);
        var grant = (VotedFor == 0 || VotedFor == message.From) && upToDate;
        if (grant)
        {
            if (VotedFor != message.From)
            {
                VotedFor = message.From;
                _storage.SaveHardState(Term, VotedFor);
            }

            ResetElectionDeadline();
        }

        Send(new RaftMessage { Kind = RaftMessageKind.VoteResponse, From = Id, To = message.From, Term = Term, Success = grant });
    }

    private void HandleVoteResponse(RaftMessage message)
    {
        if (Role != RaftRole.Candidate || !message.Success)
        {
            return;
        }

        _votes.Add(message.From);
        if (_votes.Count >= _quorum)
        {
            BecomeLeader();
        }
    }
}
