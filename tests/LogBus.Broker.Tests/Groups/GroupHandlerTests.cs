using LogBus.Broker.Tests.Server;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Groups;

/// <summary>The group APIs over the wire of an in-process broker (our codec as the client).</summary>
public sealed class GroupHandlerTests
{
    [Fact]
    public async Task ApiVersions_advertises_the_group_APIs_at_the_designed_ranges_and_FindCoordinator_names_this_broker()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        var versions = await client.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0);
        var advertised = versions.ApiKeys.ToDictionary(k => k.ApiKey, k => (k.MinVersion, k.MaxVersion));
        Assert.Equal(((short)0, (short)7), advertised[ApiKey.OffsetCommit]);
        Assert.Equal(((short)1, (short)5), advertised[ApiKey.OffsetFetch]);
        Assert.Equal(((short)0, (short)2), advertised[ApiKey.FindCoordinator]);
        Assert.Equal(((short)0, (short)5), advertised[ApiKey.JoinGroup]);
        Assert.Equal(((short)0, (short)3), advertised[ApiKey.Heartbeat]);
        Assert.Equal(((short)0, (short)3), advertised[ApiKey.LeaveGroup]);
        Assert.Equal(((short)0, (short)3), advertised[ApiKey.SyncGroup]);
        Assert.Equal(((short)0, (short)4), advertised[ApiKey.DescribeGroups]);
        Assert.Equal(((short)0, (short)2), advertised[ApiKey.ListGroups]);
        Assert.Equal(((short)0, (short)1), advertised[ApiKey.DeleteGroups]);

        foreach (var version in new short[] { 0, 1, 2 })
        {
            var found = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = "any-group" }, version);
            Assert.Equal(ErrorCode.None, found.ErrorCode);
            Assert.Equal(broker.Services.Metadata.NodeId, found.NodeId);
            Assert.Equal(broker.Services.Metadata.Host, found.Host);
            Assert.Equal(broker.Port, found.Port);
        }
        var bad = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = "x", KeyType = 5 }, 2);
        Assert.Equal(ErrorCode.InvalidRequest, bad.ErrorCode);
    }

    [Fact]
    public async Task A_held_JoinGroup_does_not_stop_the_connection_from_reading_and_responses_keep_request_order()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Groups.InitialRebalanceDelay = TimeSpan.FromMilliseconds(1500));
        await using var client = await broker.ConnectAsync();
        JoinGroupRequest Join() => new()
        {
            GroupId = "pipelined",
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = new byte[] { 0, 0, 0, 0, 0, 0 } }],
        };
        // Two members' joins and a heartbeat for another group, pipelined on one connection: the first
        // join is held, yet the second is read (both land in generation 1) and all answers come in order.
        var first = await client.SendOnlyAsync(Join(), 3);
        var second = await client.SendOnlyAsync(Join(), 3);
        var heartbeat = await client.SendOnlyAsync(new HeartbeatRequest { GroupId = "other", MemberId = "m", GenerationId = 1 }, 3);
        var r1 = await client.ReceiveAsync<JoinGroupResponse>(ApiKey.JoinGroup, 3, first);
        var r2 = await client.ReceiveAsync<JoinGroupResponse>(ApiKey.JoinGroup, 3, second);
        var hb = await client.ReceiveAsync<HeartbeatResponse>(ApiKey.Heartbeat, 3, heartbeat);
        Assert.Equal(ErrorCode.None, r1.ErrorCode);
        Assert.Equal(1, r1.GenerationId);
        Assert.Equal(1, r2.GenerationId);
        Assert.Equal(r1.Leader, r2.Leader);
        Assert.Equal(2, (r1.MemberId == r1.Leader ? r1 : r2).Members.Count);
        Assert.Equal(ErrorCode.UnknownMemberId, hb.ErrorCode);
        Assert.Equal("raw-test", Assert.Single(broker.Services.Groups!.DescribeGroupWithLag("pipelined")!.Members.Select(m => m.ClientId).Distinct()));
    }

    [Fact]
    public async Task Commit_list_describe_delete_and_fetch_over_the_wire_and_offsets_survive_a_restart()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Services.Logs.TryCreateTopic("wire", 2, null, out _);
        await using (var client = await broker.ConnectAsync())
        {
            var commit = await client.SendAsync<OffsetCommitResponse>(new OffsetCommitRequest
            {
                GroupId = "wire-group",
                Topics = [new() { Name = "wire", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 5, CommittedMetadata = "m" }, new() { PartitionIndex = 1, CommittedOffset = 9 }] }],
            }, 2);
            Assert.All(commit.Topics[0].Partitions, p => Assert.Equal(ErrorCode.None, p.ErrorCode));
            var list = await client.SendAsync<ListGroupsResponse>(new ListGroupsRequest(), 2);
            Assert.Contains(list.Groups, g => g.GroupId == "wire-group" && g.ProtocolType == "");
            var described = await client.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["wire-group"] }, 4);
            Assert.Equal("Empty", described.Groups[0].GroupState);
        }
        await broker.RestartAsync();
        await using (var client = await broker.ConnectAsync())
        {
            var fetched = await client.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = "wire-group", Topics = [new() { Name = "wire", PartitionIndexes = [0, 1] }] }, 1);
            Assert.Equal([5L, 9L], fetched.Topics[0].Partitions.Select(p => p.CommittedOffset));
            Assert.Equal("m", fetched.Topics[0].Partitions[0].Metadata);
            var deleted = await client.SendAsync<DeleteGroupsResponse>(new DeleteGroupsRequest { GroupsNames = ["wire-group", "never"] }, 1);
            Assert.Equal([ErrorCode.None, ErrorCode.GroupIdNotFound], deleted.Results.Select(r => r.ErrorCode));
            var after = await client.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = "wire-group", Topics = null }, 3);
            Assert.Empty(after.Topics);
        }
    }
}
