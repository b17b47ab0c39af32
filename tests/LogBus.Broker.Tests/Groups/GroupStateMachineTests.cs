using LogBus.Broker.Groups;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using static LogBus.Broker.Tests.Groups.GroupHarness;

namespace LogBus.Broker.Tests.Groups;

/// <summary>The group state machine driven by requests and a fake clock (no sleeps).</summary>
public sealed class GroupStateMachineTests
{
    private static readonly byte[] AssignmentA = ConsumerProtocolBytes.Assignment(("orders", [0, 1, 2]));
    private static readonly byte[] AssignmentB = ConsumerProtocolBytes.Assignment(("orders", [3, 4, 5]));

    /// <summary>Two members form generation 1 and reach Stable with their assignments.</summary>
    private static async Task<(string Leader, string Follower, int Generation)> FormTwoMemberGroupAsync(GroupHarness h, string group, int sessionMs = 10_000, int rebalanceMs = 30_000)
    {
        var (a, joinA) = await h.JoinNewAsync(group, sessionMs, rebalanceMs);
        var (b, joinB) = await h.JoinNewAsync(group, sessionMs, rebalanceMs);
        Assert.False(joinA.IsCompleted);
        Assert.False(joinB.IsCompleted);
        h.Advance(3); // initial delay; both joined already, so no extension beyond what new members caused
        h.Advance(3);
        var ra = await Done(joinA);
        var rb = await Done(joinB);
        Assert.Equal(ErrorCode.None, ra.ErrorCode);
        Assert.Equal(ra.GenerationId, rb.GenerationId);
        Assert.Equal(ra.Leader, rb.Leader);
        var leader = ra.Leader;
        var follower = leader == a ? b : a;
        var syncFollower = h.Sync(group, follower, ra.GenerationId);
        var syncLeader = h.Sync(group, leader, ra.GenerationId, (leader, AssignmentA), (follower, AssignmentB));
        Assert.Equal(AssignmentA, (await Done(syncLeader)).Assignment.ToArray());
        Assert.Equal(AssignmentB, (await Done(syncFollower)).Assignment.ToArray());
        Assert.Equal("Stable", h.State(group));
        return (leader, follower, ra.GenerationId);
    }

    [Fact]
    public async Task First_join_without_member_id_gets_MEMBER_ID_REQUIRED_then_the_rejoin_is_held_for_the_initial_delay()
    {
        await using var h = await StartAsync();
        var first = await h.Join(JoinRequest("g"));
        Assert.Equal(ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.StartsWith("client-", first.MemberId);
        var join = h.Join(JoinRequest("g", first.MemberId));
        Assert.False(join.IsCompleted);
        Assert.Equal("PreparingRebalance", h.State("g"));
        h.Advance(2.9);
        Assert.False(join.IsCompleted);
        h.Advance(0.2);
        var response = await Done(join);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        Assert.Equal(1, response.GenerationId);
        Assert.Equal(first.MemberId, response.Leader);
        Assert.Equal(first.MemberId, response.MemberId);
        Assert.Equal("range", response.ProtocolName);
        Assert.Single(response.Members);
        Assert.Equal(ConsumerProtocolBytes.Subscription("orders"), response.Members[0].Metadata.ToArray());
        Assert.Equal("CompletingRebalance", h.State("g"));
    }

    [Fact]
    public async Task Version_below_4_joins_directly_and_a_second_member_extends_the_initial_delay()
    {
        await using var h = await StartAsync();
        var a = h.Join(JoinRequest("g"), version: 3);
        h.Advance(2);
        var b = h.Join(JoinRequest("g"), version: 3);
        h.Advance(1.5); // first delay step ends: a member arrived during it, so one more step runs
        Assert.False(a.IsCompleted);
        h.Advance(3);
        var ra = await Done(a);
        var rb = await Done(b);
        Assert.Equal(ErrorCode.None, ra.ErrorCode);
        Assert.Equal(1, ra.GenerationId);
        Assert.Equal(1, rb.GenerationId);
        var leaderResponse = ra.MemberId == ra.Leader ? ra : rb;
        var followerResponse = ra.MemberId == ra.Leader ? rb : ra;
        Assert.Equal(2, leaderResponse.Members.Count);
        Assert.Empty(followerResponse.Members);
    }

    [Fact]
    public async Task Follower_sync_waits_for_the_leader_and_every_member_receives_its_own_assignment()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g");
        Assert.Equal(1, generation);
        // A sync in Stable returns the current assignment again.
        Assert.Equal(AssignmentB, (await Done(h.Sync("g", follower, generation))).Assignment.ToArray());
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", leader, generation));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", follower, generation));
    }

    [Fact]
    public async Task A_new_member_triggers_a_rebalance_that_completes_as_soon_as_every_known_member_rejoined()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g");
        var (c, joinC) = await h.JoinNewAsync("g");
        Assert.Equal("PreparingRebalance", h.State("g"));
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", leader, generation));
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", follower, generation));
        var syncDuringRebalance = await Done(h.Sync("g", follower, generation));
        Assert.Equal(ErrorCode.RebalanceInProgress, syncDuringRebalance.ErrorCode);
        var rejoinLeader = h.Join(JoinRequest("g", leader));
        Assert.False(rejoinLeader.IsCompleted);
        var rejoinFollower = h.Join(JoinRequest("g", follower));
        // No clock movement: completion is driven by the last rejoin, not by the rebalance timeout.
        var r = await Done(rejoinFollower);
        Assert.Equal(generation + 1, r.GenerationId);
        Assert.Equal(generation + 1, (await Done(rejoinLeader)).GenerationId);
        Assert.Equal(generation + 1, (await Done(joinC)).GenerationId);
        Assert.Equal(3, (await Done(rejoinLeader)).Members.Count);
        // The old generation is fenced.
        Assert.Equal(ErrorCode.IllegalGeneration, h.Heartbeat("g", leader, generation));
        Assert.Equal(ErrorCode.IllegalGeneration, (await Done(h.Sync("g", leader, generation))).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", "nobody", generation + 1));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", c, generation + 1)); // CompletingRebalance: heartbeats are fine
    }

    [Fact]
    public async Task A_member_that_does_not_rejoin_within_the_rebalance_timeout_is_dropped_from_the_next_generation()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g", sessionMs: 60_000, rebalanceMs: 20_000);
        var rejoin = h.Join(JoinRequest("g", leader, sessionMs: 60_000, rebalanceMs: 20_000));
        h.Advance(19.9);
        Assert.False(rejoin.IsCompleted);
        h.Advance(0.2);
        var r = await Done(rejoin);
        Assert.Equal(generation + 1, r.GenerationId);
        Assert.Single(r.Members);
        Assert.Equal(leader, r.Members[0].MemberId);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", follower, generation));
    }

    [Fact]
    public async Task A_member_that_stops_heartbeating_is_removed_after_its_session_timeout_and_the_rest_rebalance()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g", sessionMs: 6_000);
        // The follower's last sign of life was its SyncGroup at t=6 s (session 6 s); the leader heartbeats.
        for (var i = 0; i < 2; i++)
        {
            h.Advance(2);
            Assert.Equal(ErrorCode.None, h.Heartbeat("g", leader, generation));
        }
        h.Advance(2.1);
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", leader, generation));
        var rejoin = h.Join(JoinRequest("g", leader, sessionMs: 6_000));
        var r = await Done(rejoin);
        Assert.Equal(generation + 1, r.GenerationId);
        Assert.Equal([leader], r.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", follower, generation));
        var described = h.Coordinator.DescribeGroups(new DescribeGroupsRequest { Groups = ["g"] }).Groups[0];
        Assert.Single(described.Members);
    }

    [Fact]
    public async Task A_member_that_never_syncs_is_removed_after_the_rebalance_timeout()
    {
        await using var h = await StartAsync();
        var (a, joinA) = await h.JoinNewAsync("g", 30_000, 10_000);
        var (b, joinB) = await h.JoinNewAsync("g", 30_000, 10_000);
        h.Advance(6);
        var ra = await Done(joinA);
        await Done(joinB);
        var leader = ra.Leader;
        var follower = leader == a ? b : a;
        var leaderSync = h.Sync("g", leader, ra.GenerationId, (leader, AssignmentA), (follower, AssignmentB));
        await Done(leaderSync);
        Assert.Equal("Stable", h.State("g"));
        h.Advance(5);
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", leader, ra.GenerationId));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", follower, ra.GenerationId)); // heartbeats, but never syncs
        h.Advance(5.1);
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat("g", leader, ra.GenerationId));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", follower, ra.GenerationId));
    }

    [Fact]
    public async Task Protocol_selection_takes_the_most_voted_protocol_all_members_support()
    {
        await using var h = await StartAsync();
        var meta = ConsumerProtocolBytes.Subscription("orders");
        var a = h.Join(JoinRequest("g", protocols: [("range", meta), ("roundrobin", meta)]), version: 3);
        var b = h.Join(JoinRequest("g", protocols: [("roundrobin", meta), ("sticky", meta)]), version: 3);
        var c = h.Join(JoinRequest("g", protocols: [("sticky", meta), ("roundrobin", meta), ("range", meta)]), version: 3);
        var incompatible = await Done(h.Join(JoinRequest("g", protocols: [("cooperative-sticky", meta)]), version: 3));
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, incompatible.ErrorCode);
        var otherType = await Done(h.Join(JoinRequest("g", protocolType: "connect", protocols: [("roundrobin", meta)]), version: 3));
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, otherType.ErrorCode);
        h.Advance(10);
        // Common: roundrobin (range: not b; sticky: not a). Each member votes its first common choice.
        Assert.Equal("roundrobin", (await Done(a)).ProtocolName);
        Assert.Equal("roundrobin", (await Done(b)).ProtocolName);
        Assert.Equal("roundrobin", (await Done(c)).ProtocolName);
    }

    [Fact]
    public async Task Invalid_joins_are_rejected_with_Kafka_errors()
    {
        await using var h = await StartAsync();
        Assert.Equal(ErrorCode.InvalidGroupId, (await h.Join(JoinRequest(""))).ErrorCode);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, (await h.Join(JoinRequest("g", sessionMs: 500))).ErrorCode);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, (await h.Join(JoinRequest("g", sessionMs: 40 * 60_000))).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Join(JoinRequest("nogroup", "someone"))).ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await h.Join(JoinRequest("g", protocolType: ""))).ErrorCode);
    }

    [Fact]
    public async Task LeaveGroup_v3_removes_a_batch_and_v0_reports_the_single_error_at_the_top()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g");
        var (c, joinC) = await h.JoinNewAsync("g");
        var rejoinLeader = h.Join(JoinRequest("g", leader));
        var rejoinFollower = h.Join(JoinRequest("g", follower));
        await Done(joinC);
        await Done(rejoinLeader);
        await Done(rejoinFollower);
        var response = h.Coordinator.LeaveGroup(new LeaveGroupRequest
        {
            GroupId = "g",
            Members = [new() { MemberId = leader }, new() { MemberId = follower }, new() { MemberId = "ghost" }],
        }, version: 3);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        Assert.Equal([ErrorCode.None, ErrorCode.None, ErrorCode.UnknownMemberId], response.Members.Select(m => m.ErrorCode));
        Assert.Equal("PreparingRebalance", h.State("g"));
        var lastJoin = await Done(h.Join(JoinRequest("g", c)));
        Assert.Equal(generation + 2, lastJoin.GenerationId);
        Assert.Equal(c, lastJoin.Leader);
        var v0 = h.Coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", MemberId = "ghost" }, version: 0);
        Assert.Equal(ErrorCode.UnknownMemberId, v0.ErrorCode);
        Assert.Equal(ErrorCode.None, h.Coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", MemberId = c }, version: 1).ErrorCode);
        Assert.Equal("Empty", h.State("g"));
        Assert.Equal(generation + 3, h.Coordinator.DescribeGroupWithLag("g")!.GenerationId);
    }

    [Fact]
    public async Task Leaving_during_a_rebalance_answers_the_held_join_and_lets_the_others_complete()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g");
        var rejoinLeader = h.Join(JoinRequest("g", leader));
        Assert.False(rejoinLeader.IsCompleted);
        Assert.Equal(ErrorCode.None, h.Coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", MemberId = follower }, 1).ErrorCode);
        var r = await Done(rejoinLeader);
        Assert.Equal(generation + 1, r.GenerationId);
        Assert.Single(r.Members);
    }

    [Fact]
    public async Task Static_member_rejoining_with_a_new_id_keeps_its_assignment_without_a_rebalance_and_fences_the_old_id()
    {
        await using var h = await StartAsync();
        var meta = ConsumerProtocolBytes.Subscription("orders");
        var a = h.Join(JoinRequest("g", instanceId: "instance-a", protocols: [("range", meta)]));
        var b = h.Join(JoinRequest("g", instanceId: "instance-b", protocols: [("range", meta)]));
        h.Advance(6);
        var ra = await Done(a);
        var rb = await Done(b);
        Assert.Equal(ErrorCode.None, ra.ErrorCode); // static members skip MEMBER_ID_REQUIRED
        Assert.StartsWith("instance-a-", ra.MemberId);
        var leader = ra.Leader == ra.MemberId ? ra : rb;
        var follower = leader == ra ? rb : ra;
        var followerInstance = follower == ra ? "instance-a" : "instance-b";
        var followerSync = h.Sync("g", follower.MemberId, 1);
        await Done(h.Sync("g", leader.MemberId, 1, (leader.MemberId, AssignmentA), (follower.MemberId, AssignmentB)));
        await Done(followerSync);
        Assert.Equal("Stable", h.State("g"));

        // The follower restarts: same instance id, no member id.
        var rejoined = await Done(h.Join(JoinRequest("g", instanceId: followerInstance, protocols: [("range", meta)])));
        Assert.Equal(ErrorCode.None, rejoined.ErrorCode);
        Assert.NotEqual(follower.MemberId, rejoined.MemberId);
        Assert.Equal(1, rejoined.GenerationId);
        Assert.Equal("Stable", h.State("g"));
        Assert.Equal(AssignmentB, (await Done(h.Sync("g", rejoined.MemberId, 1))).Assignment.ToArray());
        Assert.Equal(ErrorCode.FencedInstanceId, h.Heartbeat("g", follower.MemberId, 1, followerInstance));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", rejoined.MemberId, 1, followerInstance));
        var fencedCommit = await h.CommitAsync("g", follower.MemberId, 1, offsets: [("orders", 0, 5, null)]);
        Assert.Equal(ErrorCode.UnknownMemberId, fencedCommit[("orders", 0)]); // v7 without instance id: the old id is simply unknown

        // LeaveGroup by instance id.
        var leave = h.Coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", Members = [new() { MemberId = "", GroupInstanceId = followerInstance }] }, 3);
        Assert.Equal(ErrorCode.None, leave.Members[0].ErrorCode);
        Assert.Equal("PreparingRebalance", h.State("g"));
    }

    [Fact]
    public async Task Offsets_commit_is_fenced_by_generation_member_and_rebalance_state()
    {
        await using var h = await StartAsync();
        var (leader, follower, generation) = await FormTwoMemberGroupAsync(h, "g");
        Assert.Equal(ErrorCode.None, (await h.CommitAsync("g", leader, generation, offsets: [("orders", 0, 10, "m")]))[("orders", 0)]);
        Assert.Equal(ErrorCode.IllegalGeneration, (await h.CommitAsync("g", leader, generation - 1, offsets: [("orders", 0, 11, null)]))[("orders", 0)]);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.CommitAsync("g", "ghost", generation, offsets: [("orders", 0, 11, null)]))[("orders", 0)]);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.CommitAsync("g", "", -1, offsets: [("orders", 0, 11, null)]))[("orders", 0)]); // simple commit into a live group
        // PreparingRebalance: the current generation may still commit (consumers commit before revoking).
        var (_, joinC) = await h.JoinNewAsync("g");
        Assert.Equal(ErrorCode.None, (await h.CommitAsync("g", follower, generation, offsets: [("orders", 3, 7, null)]))[("orders", 3)]);
        var rl = h.Join(JoinRequest("g", leader));
        var rf = h.Join(JoinRequest("g", follower));
        await Done(joinC);
        var next = (await Done(rl)).GenerationId;
        await Done(rf);
        // CompletingRebalance: no commits until the assignment is known.
        Assert.Equal(ErrorCode.RebalanceInProgress, (await h.CommitAsync("g", leader, next, offsets: [("orders", 0, 12, null)]))[("orders", 0)]);
        Assert.Equal((10L, "m"), h.Fetch("g", ("orders", 0))[("orders", 0)]);
        Assert.Equal((7L, ""), h.Fetch("g", ("orders", 3))[("orders", 3)]);
    }

    [Fact]
    public async Task Dispose_answers_held_requests_and_disarms_every_timer()
    {
        var h = await StartAsync();
        var (_, join) = await h.JoinNewAsync("g");
        Assert.False(join.IsCompleted);
        Assert.True(h.Clock.ArmedTimers >= 2); // the group's and the expiry timer
        await h.Coordinator.DisposeAsync();
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, (await Done(join)).ErrorCode);
        Assert.Equal(0, h.Clock.ArmedTimers);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, (await h.Join(JoinRequest("g"))).ErrorCode);
        await h.DisposeAsync();
    }
}
