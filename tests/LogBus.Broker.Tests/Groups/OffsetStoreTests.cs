using LogBus.Broker.Groups;
using LogBus.Broker.Tests.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;
using static LogBus.Broker.Tests.Groups.GroupHarness;

namespace LogBus.Broker.Tests.Groups;

/// <summary>Committed offsets in <c>__consumer_offsets</c>: replay, expiry, snapshots, deletion, describe.</summary>
public sealed class OffsetStoreTests
{
    private static async Task<(string Member, int Generation)> FormSingleMemberGroupAsync(GroupHarness h, string group, byte[]? subscription = null, byte[]? assignment = null, int sessionMs = 10_000)
    {
        subscription ??= ConsumerProtocolBytes.Subscription("orders");
        var (member, join) = await h.JoinNewAsync(group, sessionMs, 30_000, ("range", subscription));
        h.Advance(3);
        var r = await Done(join);
        await Done(h.Sync(group, member, r.GenerationId, (member, assignment ?? ConsumerProtocolBytes.Assignment(("orders", [0, 1, 2, 3, 4, 5])))));
        return (member, r.GenerationId);
    }

    [Fact]
    public async Task Simple_commits_are_fetched_back_with_metadata_unknown_partitions_are_minus_one_and_null_topics_return_all()
    {
        await using var h = await StartAsync();
        var result = await h.CommitAsync("simple", "", -1, offsets: [("orders", 0, 42, "meta-0"), ("orders", 5, 7, null), ("payments", 1, 3, "p")]);
        Assert.All(result.Values, e => Assert.Equal(ErrorCode.None, e));
        var fetched = h.Fetch("simple", ("orders", 0), ("orders", 1), ("orders", 5));
        Assert.Equal((42L, "meta-0"), fetched[("orders", 0)]);
        Assert.Equal((-1L, ""), fetched[("orders", 1)]);
        Assert.Equal((7L, ""), fetched[("orders", 5)]);
        var all = h.Fetch("simple");
        Assert.Equal(3, all.Count);
        Assert.Equal((3L, "p"), all[("payments", 1)]);
        Assert.Equal((-1L, ""), h.Fetch("unknown-group", ("orders", 0))[("orders", 0)]);
        Assert.Empty(h.Fetch("unknown-group"));
        // Later commits win.
        await h.CommitAsync("simple", "", -1, offsets: [("orders", 0, 50, "again")]);
        Assert.Equal((50L, "again"), h.Fetch("simple", ("orders", 0))[("orders", 0)]);
        Assert.Equal("", h.Coordinator.ListGroups().Groups.Single(g => g.GroupId == "simple").ProtocolType);
    }

    [Fact]
    public async Task Bad_partitions_and_oversized_metadata_fail_alone()
    {
        await using var h = await StartAsync(o => o.OffsetMetadataMaxLength = 10);
        var result = await h.CommitAsync("g", "", -1, offsets: [("orders", 0, 1, "ok"), ("orders", 6, 1, null), ("nope", 0, 1, null), ("orders", 1, 1, new string('x', 11))]);
        Assert.Equal(ErrorCode.None, result[("orders", 0)]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, result[("orders", 6)]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, result[("nope", 0)]);
        Assert.Equal(ErrorCode.OffsetMetadataTooLarge, result[("orders", 1)]);
        Assert.Single(h.Fetch("g"));
        Assert.Equal(ErrorCode.InvalidGroupId, (await h.CommitAsync("", "", -1, offsets: [("orders", 0, 1, null)]))[("orders", 0)]);
        Assert.Equal(ErrorCode.IllegalGeneration, (await h.CommitAsync("never-joined", "m", 3, offsets: [("orders", 0, 1, null)]))[("orders", 0)]);
    }

    [Fact]
    public async Task Offsets_and_a_stable_generation_survive_a_restart_and_members_keep_heartbeating()
    {
        await using var h = await StartAsync();
        var (member, generation) = await FormSingleMemberGroupAsync(h, "g");
        for (var i = 0; i < 50; i++)
        {
            await h.CommitAsync("g", member, generation, offsets: [("orders", i % 6, i, $"m{i}")]);
        }
        await h.CommitAsync("simple", "", -1, offsets: [("payments", 0, 99, null)]);
        var before = h.Fetch("g");
        await h.RestartAsync();
        Assert.Equal(before, h.Fetch("g"));
        Assert.Equal((99L, ""), h.Fetch("simple", ("payments", 0))[("payments", 0)]);
        Assert.Equal("Stable", h.State("g"));
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", member, generation));
        var sync = await Done(h.Sync("g", member, generation));
        Assert.Equal(ConsumerProtocolBytes.Assignment(("orders", [0, 1, 2, 3, 4, 5])), sync.Assignment.ToArray());
        // A member that does not come back after the restart is expired as usual.
        h.Advance(11);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", member, generation));
        Assert.Equal("Empty", h.State("g"));
        Assert.Equal(generation + 1, h.Coordinator.DescribeGroupWithLag("g")!.GenerationId);
    }

    [Fact]
    public async Task Replay_after_a_crash_keeps_every_acknowledged_commit()
    {
        var dir = new TempDirectory();
        try
        {
            var data = dir.Sub("data");
            var clock = new FakeTimeProvider();
            var logs = await Broker.Storage.LogManager.OpenAsync(new Broker.Storage.StorageOptions { DataDirectory = data });
            logs.TryCreateTopic("orders", 6, null, out _);
            var coordinator = await GroupCoordinator.OpenAsync(logs, new GroupCoordinatorOptions { TimeProvider = clock, OffsetsTopicPartitions = 2 });
            for (var i = 0; i < 200; i++)
            {
                var r = await coordinator.CommitOffsetsAsync(new OffsetCommitRequest
                {
                    GroupId = $"g{i % 7}",
                    Topics = [new() { Name = "orders", Partitions = [new() { PartitionIndex = i % 6, CommittedOffset = i }] }],
                }, 2);
                Assert.Equal(ErrorCode.None, r.Topics[0].Partitions[0].ErrorCode);
            }
            // Crash: no coordinator shutdown, no clean log close (the partitions are abandoned as a kill -9 leaves them).
            foreach (var store in coordinator.Stores)
            {
                store.Log.Abandon();
            }
            File.Delete(Path.Combine(data, Broker.Storage.LogManager.LockFileName));
            var reopened = await Broker.Storage.LogManager.OpenAsync(new Broker.Storage.StorageOptions { DataDirectory = data });
            Assert.False(reopened.OpenedAfterCleanShutdown);
            await using var again = await GroupCoordinator.OpenAsync(reopened, new GroupCoordinatorOptions { TimeProvider = clock, OffsetsTopicPartitions = 2 });
            for (var g = 0; g < 7; g++)
            {
                var fetched = again.FetchOffsets(new OffsetFetchRequest { GroupId = $"g{g}", Topics = null }, 5);
                foreach (var p in fetched.Topics.Single().Partitions)
                {
                    // The latest commit for (g, p) is the largest i with i % 7 == g and i % 6 == p.
                    var expected = Enumerable.Range(0, 200).Where(i => i % 7 == g && i % 6 == p.PartitionIndex).Max();
                    Assert.Equal(expected, p.CommittedOffset);
                }
            }
            await again.DisposeAsync();
            reopened.Dispose();
        }
        finally
        {
            dir.Dispose();
        }
    }

    [Fact]
    public async Task Offsets_of_an_empty_group_expire_a_retention_after_it_became_empty_and_the_group_goes()
    {
        await using var h = await StartAsync(o => o.OffsetsRetention = TimeSpan.FromHours(2));
        var (member, generation) = await FormSingleMemberGroupAsync(h, "g");
        await h.CommitAsync("g", member, generation, offsets: [("orders", 0, 10, null)]);
        h.Advance(1800); // a live group's offsets of subscribed topics never expire by age (member heartbeats)
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("g", member, generation)); // its session expired at ~13 s
        Assert.Equal("Empty", h.State("g"));
        h.Advance(1.5 * 3600); // t = 2 h: the checks at 1 h and 2 h found the group empty for less than 2 h
        Assert.Equal((10L, ""), h.Fetch("g", ("orders", 0))[("orders", 0)]);
        Assert.Equal(0, h.Coordinator.ExpireOffsets());
        h.Advance(3600); // the check at 3 h expires it
        Assert.Equal((-1L, ""), h.Fetch("g", ("orders", 0))[("orders", 0)]);
        Assert.Equal("Dead", h.State("g"));
        Assert.DoesNotContain(h.Coordinator.ListGroups().Groups, g => g.GroupId == "g");
        await h.RestartAsync();
        Assert.Equal("Dead", h.State("g")); // tombstones replayed
        Assert.Empty(h.Fetch("g"));
    }

    [Fact]
    public async Task Simple_group_offsets_expire_by_commit_time_and_explicit_retention_wins()
    {
        await using var h = await StartAsync(o =>
        {
            o.OffsetsRetention = TimeSpan.FromHours(10);
            o.OffsetsRetentionCheckInterval = TimeSpan.FromDays(1000); // expiry runs only when the test calls it
        });
        await h.CommitAsync("s", "", -1, offsets: [("orders", 0, 1, null)]);
        h.Advance(5 * 3600);
        await h.CommitAsync("s", "", -1, offsets: [("orders", 1, 2, null)]);
        await h.CommitAsync("s", "", -1, version: 2, retentionMs: 60_000, offsets: [("orders", 2, 3, null)]);
        h.Advance(120);
        Assert.Equal(1, h.Coordinator.ExpireOffsets()); // orders-2 (explicit one minute)
        h.Advance(5 * 3600);
        Assert.Equal(1, h.Coordinator.ExpireOffsets()); // orders-0, ten hours after its commit
        Assert.Equal([("orders", 1)], h.Fetch("s").Keys);
        h.Advance(5 * 3600);
        Assert.Equal(1, h.Coordinator.ExpireOffsets());
        Assert.Equal("Dead", h.State("s"));
    }

    [Fact]
    public async Task A_stable_consumer_group_loses_only_offsets_of_topics_nobody_subscribes_to()
    {
        await using var h = await StartAsync(o =>
        {
            o.OffsetsRetention = TimeSpan.FromHours(1);
            o.MaxSessionTimeout = TimeSpan.FromHours(2);
        });
        var (member, generation) = await FormSingleMemberGroupAsync(h, "g", sessionMs: 90 * 60_000);
        await h.CommitAsync("g", member, generation, offsets: [("orders", 0, 5, null), ("payments", 0, 6, null)]);
        h.Advance(3601);
        Assert.Equal(ErrorCode.None, h.Heartbeat("g", member, generation));
        Assert.Equal(1, h.Coordinator.ExpireOffsets());
        Assert.Equal([("orders", 0)], h.Fetch("g").Keys);
    }

    [Fact]
    public async Task Snapshots_keep_the_offsets_topic_bounded_and_replay_gives_the_latest_values()
    {
        await using var h = await StartAsync(o =>
        {
            o.OffsetsTopicPartitions = 1;
            o.OffsetsSnapshotMinBytes = 64 * 1024;
            o.OffsetsSegmentBytes = 16 * 1024;
        });
        var store = h.Coordinator.Stores[0];
        for (var round = 0; round < 400; round++)
        {
            await h.CommitAsync("g1", "", -1, offsets: [("orders", round % 6, round, new string('m', 100))]);
            await h.CommitAsync("g2", "", -1, offsets: [("payments", round % 2, round * 2, null)]);
        }
        await h.Coordinator.DeleteGroupsAsync(new DeleteGroupsRequest { GroupsNames = ["g2"] });
        await store.SnapshotAsync();
        Assert.True(store.SnapshotCount >= 2, $"snapshots: {store.SnapshotCount}");
        Assert.True(store.Log.LogStartOffset > 0);
        Assert.True(store.Log.SizeInBytes < 4 * 1024, $"offsets log holds {store.Log.SizeInBytes} bytes after a snapshot of {store.LiveBytes} live bytes");
        Assert.Equal(6, store.LiveCount);
        var expected = h.Fetch("g1");
        await h.RestartAsync();
        Assert.Equal(expected, h.Fetch("g1"));
        Assert.Equal(Enumerable.Range(394, 6).Select(r => (long)r).Order(), h.Fetch("g1").Values.Select(v => v.Offset).Order());
        Assert.Empty(h.Fetch("g2"));
        Assert.Equal(6, h.Coordinator.Stores[0].LiveCount);
    }

    [Fact]
    public async Task DeleteGroups_removes_empty_groups_durably_and_refuses_live_and_unknown_ones()
    {
        await using var h = await StartAsync();
        await FormSingleMemberGroupAsync(h, "live");
        await h.CommitAsync("empty", "", -1, offsets: [("orders", 0, 1, null)]);
        var response = await h.Coordinator.DeleteGroupsAsync(new DeleteGroupsRequest { GroupsNames = ["live", "empty", "unknown", ""] });
        Assert.Equal([ErrorCode.NonEmptyGroup, ErrorCode.None, ErrorCode.GroupIdNotFound, ErrorCode.InvalidGroupId], response.Results.Select(r => r.ErrorCode));
        Assert.Empty(h.Fetch("empty"));
        await h.RestartAsync();
        Assert.Empty(h.Fetch("empty"));
        Assert.Equal(["live"], h.Coordinator.ListGroups().Groups.Select(g => g.GroupId));
    }

    [Fact]
    public async Task Describe_shows_members_decoded_assignments_committed_offsets_log_end_and_lag()
    {
        await using var h = await StartAsync();
        var orders0 = h.Logs.GetLog("orders", 0)!;
        for (var i = 0; i < 5; i++)
        {
            Assert.True(orders0.Append(TestBatches.Build(4, 10, i), 0).Succeeded); // 20 records
        }
        var (member, generation) = await FormSingleMemberGroupAsync(h, "g", assignment: ConsumerProtocolBytes.Assignment(("orders", [0, 1])));
        await h.CommitAsync("g", member, generation, offsets: [("orders", 0, 15, "x"), ("payments", 1, 0, null)]);
        var d = h.Coordinator.DescribeGroupWithLag("g")!;
        Assert.Equal("Stable", d.State);
        Assert.Equal("consumer", d.ProtocolType);
        Assert.Equal("range", d.Protocol);
        var m = Assert.Single(d.Members);
        Assert.Equal(member, m.MemberId);
        Assert.Equal("client", m.ClientId);
        Assert.Equal([("orders", 0), ("orders", 1)], m.Assignment);
        Assert.Equal(
            [
                new GroupPartitionLag("orders", 0, 15, "x", 20, 5, member),
                new GroupPartitionLag("orders", 1, -1, "", 0, -1, member),
                new GroupPartitionLag("payments", 1, 0, "", 0, 0, null),
            ],
            d.Partitions);
        Assert.Null(h.Coordinator.DescribeGroupWithLag("nope"));

        var wire = h.Coordinator.DescribeGroups(new DescribeGroupsRequest { Groups = ["g", "nope"] });
        Assert.Equal("Stable", wire.Groups[0].GroupState);
        Assert.Equal("range", wire.Groups[0].ProtocolData);
        Assert.Equal(ConsumerProtocolBytes.Assignment(("orders", [0, 1])), wire.Groups[0].Members[0].MemberAssignment.ToArray());
        Assert.Equal(ConsumerProtocolBytes.Subscription("orders"), wire.Groups[0].Members[0].MemberMetadata.ToArray());
        Assert.Equal("/127.0.0.1", wire.Groups[0].Members[0].ClientHost);
        Assert.Equal("Dead", wire.Groups[1].GroupState);
        Assert.Equal(ErrorCode.None, wire.Groups[1].ErrorCode);
    }

    [Fact]
    public void Record_format_round_trips_and_rejects_garbage()
    {
        var key = OffsetsRecordFormat.OffsetKey("grp", "topic", 7);
        Assert.True(OffsetsRecordFormat.TryDecodeKey(key, out var decoded));
        Assert.Equal(new OffsetsKey(OffsetsKeyType.Offset, "grp", "topic", 7), decoded);
        Assert.True(OffsetsRecordFormat.TryDecodeKey(OffsetsRecordFormat.GroupKey("grp"), out var groupKey));
        Assert.Equal(OffsetsKeyType.Group, groupKey.Type);
        var offset = new CommittedOffset(12, 3, "meta", 1000, -1);
        Assert.True(OffsetsRecordFormat.TryDecodeOffset(OffsetsRecordFormat.EncodeOffset(offset), out var o));
        Assert.Equal(offset, o);
        var group = new StoredGroup("consumer", 4, "range", "m1", 55, [new StoredMember("m1", "i1", "c", "h", 1, 2, [1, 2], [3])]);
        Assert.True(OffsetsRecordFormat.TryDecodeGroup(OffsetsRecordFormat.EncodeGroup(group), out var g));
        Assert.Equal(group.GenerationId, g!.GenerationId);
        Assert.Equal(group.Members[0].Subscription, g.Members[0].Subscription);
        Assert.Equal("i1", g.Members[0].GroupInstanceId);
        var random = new Random(5);
        var encodedGroup = OffsetsRecordFormat.EncodeGroup(group);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            OffsetsRecordFormat.TryDecodeKey(bytes, out _);
            OffsetsRecordFormat.TryDecodeOffset(bytes, out _);
            OffsetsRecordFormat.TryDecodeGroup(bytes, out _);
            ConsumerProtocol.TryReadAssignment(bytes, out _);
            ConsumerProtocol.TryReadSubscriptionTopics(bytes, out _);
            Assert.False(OffsetsRecordFormat.TryDecodeGroup(encodedGroup.AsSpan(0, random.Next(0, encodedGroup.Length)), out _));
        }
        Assert.False(OffsetsRecordFormat.TryDecodeOffset([0, 9, 0, 0], out _)); // unknown version
    }
}
