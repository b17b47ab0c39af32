using System.Text;
using LogBus.Broker.Cluster.Raft;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>
/// The Raft core on a simulated network with a fake clock (<see cref="RaftSimulation"/> checks election
/// safety, log matching, leader completeness and state machine safety after every event).
/// </summary>
public sealed class RaftNodeTests
{
    private static byte[] Command(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Healthy_cluster_elects_one_leader_and_commits_on_every_node()
    {
        var sim = new RaftSimulation(3, seed: 1);
        Assert.True(sim.RunUntil(() => sim.Leader is not null, 2000));
        for (var i = 0; i < 20; i++)
        {
            Assert.True(sim.Propose(Command($"c{i}")) > 0);
        }

        Assert.True(sim.RunUntil(() => sim.Ids.All(id => sim.Applied[id].Count(c => c.Length > 0) == 20), 2000));
        foreach (var id in sim.Ids)
        {
            Assert.Equal(
                Enumerable.Range(0, 20).Select(i => $"c{i}"),
                sim.Applied[id].Where(c => c.Length > 0).Select(Encoding.UTF8.GetString));
        }

        // A healthy cluster keeps its leader (heartbeats keep followers from timing out).
        var leader = sim.Leader;
        var term = sim.Nodes[leader!.Value]!.Term;
        sim.Run(5000);
        Assert.Equal(leader, sim.Leader);
        Assert.Equal(term, sim.Nodes[leader.Value]!.Term);
    }

    [Fact]
    public void Single_voter_leads_alone_and_commits_at_once()
    {
        var sim = new RaftSimulation(1, seed: 2);
        Assert.True(sim.RunUntil(() => sim.Leader == 1, 1000));
        var index = sim.Propose(Command("x"));
        Assert.Equal(index, sim.Nodes[1]!.CommitIndex);
        Assert.Equal("x", Encoding.UTF8.GetString(sim.Applied[1][^1]));
    }

    [Fact]
    public void Leader_crash_elects_a_new_leader_that_keeps_committed_entries()
    {
        var sim = new RaftSimulation(3, seed: 3);
        Assert.True(sim.RunUntil(() => sim.Leader is not null, 2000));
        sim.Propose(Command("before"));
        Assert.True(sim.RunUntil(() => sim.Ids.All(id => sim.Applied[id].Any(c => c.Length > 0)), 1000));
        var old = sim.Leader!.Value;
        sim.Crash(old);
        Assert.True(sim.RunUntil(() => sim.Leader is { } l && l != old, 3000));
        sim.Propose(Command("after"));
        sim.Start(old);
        Assert.True(sim.RunUntil(() => sim.Ids.All(id => sim.Applied[id].Count(c => c.Length > 0) == 2), 3000));
        Assert.Equal(["before", "after"], sim.Applied[old].Where(c => c.Length > 0).Select(Encoding.UTF8.GetString));
    }

    [Fact]
    public void Uncommitted_entries_of_a_partitioned_leader_are_replaced()
    {
        var sim = new RaftSimulation(5, seed: 4);
        Assert.True(sim.RunUntil(() => sim.Leader is not null, 2000));
        var old = sim.Leader!.Value;
        var others = sim.Ids.Where(i => i != old).ToArray();
        sim.Partition([old, others[0]], others[1..]);
        var lost = sim.Nodes[old]!.Propose(Command("lost"));
        Assert.True(lost > 0);
        sim.Run(50);
        // The majority side elects a new leader and commits its own entry at the same index.
        Assert.True(sim.RunUntil(() => sim.Nodes.Values.Any(n => n is { Role: RaftRole.Leader } && n.Id != old && others[1..].Contains(n.Id)), 3000));
        var newLeader = sim.Nodes.Values.First(n => n is { Role: RaftRole.Leader } && n.Id != old)!;
        newLeader.Propose(Command("kept"));
        sim.Run(1);
        // Check quorum: the minority leader steps down within an election timeout.
        Assert.True(sim.RunUntil(() => sim.Nodes[old]!.Role != RaftRole.Leader, 1000));
        sim.Heal();
        Assert.True(sim.RunUntil(() => sim.Ids.All(id => sim.Applied[id].Any(c => c.AsSpan().SequenceEqual("kept"u8))), 5000));
        Assert.All(sim.Ids, id => Assert.DoesNotContain(sim.Applied[id], c => c.AsSpan().SequenceEqual("lost"u8)));
        sim.CheckLogMatching();
    }

    [Fact]
    public void Vote_is_persisted_and_not_given_twice_in_a_term_after_a_restart()
    {
        var storage = new MemoryRaftStorage();
        var options = new RaftOptions();
        var node = new RaftNode(1, [1, 2, 3], storage.Load(), storage, options, new Random(5), 0);
        node.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 2, To = 1, Term = 5, LogIndex = 0, LogTerm = 0 }, 10);
        var granted = node.Drain().Messages.Single();
        Assert.True(granted.Success);
        Assert.Equal((5L, 2), (storage.Term, storage.VotedFor)); // durable before the response left

        var restarted = new RaftNode(1, [1, 2, 3], storage.Load(), storage, options, new Random(6), 20);
        restarted.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 3, To = 1, Term = 5, LogIndex = 0, LogTerm = 0 }, 30);
        Assert.False(restarted.Drain().Messages.Single().Success);
        restarted.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 2, To = 1, Term = 5, LogIndex = 0, LogTerm = 0 }, 40);
        Assert.True(restarted.Drain().Messages.Single().Success); // the same candidate again (a retry)
    }

    [Fact]
    public void Candidate_with_a_stale_log_gets_no_vote()
    {
        var storage = new MemoryRaftStorage();
        storage.SaveHardState(2, 0);
        storage.Append(1, [new RaftEntry(1, 1, []), new RaftEntry(2, 2, Command("a"))]);
        var node = new RaftNode(1, [1, 2, 3], storage.Load(), storage, new RaftOptions(), new Random(7), 0);
        node.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 2, To = 1, Term = 3, LogIndex = 5, LogTerm = 1 }, 1);
        Assert.False(node.Drain().Messages.Single().Success);
        Assert.Equal(3, node.Term);
        node.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 3, To = 1, Term = 3, LogIndex = 2, LogTerm = 2 }, 2);
        Assert.True(node.Drain().Messages.Single().Success);
    }

    [Fact]
    public void Follower_in_contact_with_its_leader_ignores_a_disruptive_candidate()
    {
        var storage = new MemoryRaftStorage();
        var options = new RaftOptions { ElectionTimeoutMinMs = 1000, ElectionTimeoutMaxMs = 2000 };
        var node = new RaftNode(1, [1, 2, 3], storage.Load(), storage, options, new Random(8), 0);
        node.Step(new RaftMessage { Kind = RaftMessageKind.AppendRequest, From = 2, To = 1, Term = 1, LogIndex = 0, LogTerm = 0 }, 100);
        node.Drain();
        node.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 3, To = 1, Term = 9, LogIndex = 10, LogTerm = 9 }, 500);
        Assert.Empty(node.Drain().Messages);
        Assert.Equal(1, node.Term);
        // Once the leader has been silent for the minimum election timeout, the candidate is heard.
        node.Step(new RaftMessage { Kind = RaftMessageKind.VoteRequest, From = 3, To = 1, Term = 9, LogIndex = 10, LogTerm = 9 }, 1200);
        Assert.True(node.Drain().Messages.Single().Success);
        Assert.Equal(9, node.Term);
    }

    [Fact]
    public void Lagging_follower_is_caught_up_by_snapshot_and_survives_restart()
    {
        var sim = new RaftSimulation(3, seed: 9);
        Assert.True(sim.RunUntil(() => sim.Leader is not null, 2000));
        var leader = sim.Leader!.Value;
        var lagging = sim.Ids.First(i => i != leader);
        sim.Crash(lagging);
        for (var i = 0; i < 50; i++)
        {
            sim.Propose(Command($"c{i}"));
            sim.Run(5);
        }

        Assert.True(sim.RunUntil(() => sim.Ids.Where(i => i != lagging).All(id => sim.Applied[id].Count(c => c.Length > 0) == 50), 2000));
        foreach (var id in sim.Ids.Where(i => i != lagging))
        {
            sim.Compact(id);
        }

        Assert.True(sim.Nodes[leader]!.Snapshot.Index > 50);
        sim.Start(lagging);
        Assert.True(sim.RunUntil(() => sim.Applied[lagging].Count(c => c.Length > 0) == 50, 3000));
        Assert.Equal(sim.Nodes[leader]!.Snapshot.Index, sim.Storage[lagging].Snapshot.Index);

        // Restart from the installed snapshot plus later entries.
        sim.Propose(Command("tail"));
        Assert.True(sim.RunUntil(() => sim.Applied[lagging].Count(c => c.Length > 0) == 51, 2000));
        sim.Crash(lagging);
        sim.Start(lagging);
        Assert.True(sim.RunUntil(() => sim.Applied[lagging].Count(c => c.Length > 0) == 51, 2000));
        Assert.Equal(sim.Applied[leader].Select(Convert.ToHexString), sim.Applied[lagging].Select(Convert.ToHexString));
    }

    public static TheoryData<int, int> ChaosSeeds()
    {
        var data = new TheoryData<int, int>();
        for (var seed = 100; seed < 112; seed++)
        {
            data.Add(seed % 2 == 0 ? 3 : 5, seed);
        }

        return data;
    }

    /// <summary>
    /// Random partitions, crashes and restarts, message loss, duplication and reordering, compaction,
    /// with proposals all along; the simulation checks safety after every event. At the end the network
    /// heals, every node runs, and a last proposal must commit everywhere with identical state machines
    /// that contain every entry ever seen committed.
    /// </summary>
    [Theory]
    [MemberData(nameof(ChaosSeeds))]
    public void Chaos_keeps_safety_and_recovers_liveness(int nodes, int seed)
    {
        var sim = new RaftSimulation(nodes, seed) { DropRate = 0.1, DuplicateRate = 0.05, MaxDelayMs = 20 };
        var random = new Random(seed);
        var proposed = 0;
        for (var step = 0; step < 150; step++)
        {
            switch (random.Next(10))
            {
                case 0:
                    var shuffled = sim.Ids.OrderBy(_ => random.Next()).ToArray();
                    var cut = random.Next(1, nodes);
                    sim.Partition(shuffled[..cut], shuffled[cut..]);
                    break;
                case 1:
                    sim.Heal();
                    break;
                case 2:
                    var victim = sim.Ids[random.Next(nodes)];
                    if (sim.Nodes[victim] is not null && sim.Nodes.Values.Count(n => n is null) < nodes / 2)
                    {
                        sim.Crash(victim);
                    }

                    break;
                case 3:
                    foreach (var id in sim.Ids.Where(id => sim.Nodes[id] is null))
                    {
                        sim.Start(id);
                    }

                    break;
                case 4:
                    sim.Compact(sim.Ids[random.Next(nodes)]);
                    break;
                default:
                    if (sim.Propose(Command($"{seed}-{proposed}")) > 0)
                    {
                        proposed++;
                    }

                    break;
            }

            sim.Run(random.Next(10, 200));
        }

        sim.Heal();
        sim.DropRate = 0;
        sim.DuplicateRate = 0;
        foreach (var id in sim.Ids.Where(id => sim.Nodes[id] is null))
        {
            sim.Start(id);
        }

        Assert.True(sim.RunUntil(() => sim.Leader is not null, 5000), "a leader after healing");
        var final = Command("final");
        Assert.True(sim.RunUntil(() => sim.Leader is not null && sim.Propose(final) > 0, 5000));
        Assert.True(
            sim.RunUntil(() => sim.Ids.All(id => sim.Applied[id].Any(c => c.AsSpan().SequenceEqual(final))), 10_000),
            "the final proposal commits everywhere");
        sim.Run(500);
        var reference = sim.Applied[sim.Ids[0]].Select(Convert.ToHexString).ToArray();
        foreach (var id in sim.Ids)
        {
            Assert.Equal(reference, sim.Applied[id].Take(reference.Length).Select(Convert.ToHexString));
        }

        foreach (var (index, (entry, _)) in sim.Committed)
        {
            Assert.Equal(Convert.ToHexString(entry.Data), reference[index - 1]);
        }

        Assert.True(proposed > 10, $"the run made progress ({proposed} proposals accepted)");
        sim.CheckLogMatching();
    }
}
