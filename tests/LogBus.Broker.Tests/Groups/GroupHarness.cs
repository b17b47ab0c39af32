using LogBus.Broker.Groups;
using LogBus.Broker.Storage;
using LogBus.Broker.Tests.Storage;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Tests.Groups;

/// <summary>
/// A coordinator on a real log manager in a temp directory, with a fake clock. Restart reopens both on
/// the same directory (clean shutdown); <see cref="CrashAsync"/> abandons them without closing.
/// </summary>
internal sealed class GroupHarness : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();
    private readonly Action<GroupCoordinatorOptions>? _configure;

    private GroupHarness(Action<GroupCoordinatorOptions>? configure) => _configure = configure;

    public FakeTimeProvider Clock { get; } = new();

    public LogManager Logs { get; private set; } = null!;

    public GroupCoordinator Coordinator { get; private set; } = null!;

    public GroupCoordinatorOptions Options { get; private set; } = null!;

    public string DataDirectory => _dir.Sub("data");

    public static async Task<GroupHarness> StartAsync(Action<GroupCoordinatorOptions>? configure = null)
    {
        var harness = new GroupHarness(configure);
        await harness.OpenAsync();
        harness.Logs.TryCreateTopic("orders", 6, null, out _);
        harness.Logs.TryCreateTopic("payments", 2, null, out _);
        return harness;
    }

    private async Task OpenAsync()
    {
        Logs = await LogManager.OpenAsync(new StorageOptions { DataDirectory = DataDirectory, RecoveryThreads = 2 });
        Options = new GroupCoordinatorOptions
        {
            TimeProvider = Clock,
            OffsetsTopicPartitions = 3,
            InitialRebalanceDelay = TimeSpan.FromSeconds(3),
            MinSessionTimeout = TimeSpan.FromSeconds(1),
            OffsetsRetentionCheckInterval = TimeSpan.FromHours(1),
        };
        _configure?.Invoke(Options);
        Coordinator = await GroupCoordinator.OpenAsync(Logs, Options);
    }

    public async Task RestartAsync()
    {
        await Coordinator.DisposeAsync();
        Logs.Dispose();
        await OpenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.DisposeAsync();
        Logs.Dispose();
        _dir.Dispose();
    }

    public void Advance(double seconds) => Clock.Advance(TimeSpan.FromSeconds(seconds));

    // ---- request helpers ---------------------------------------------------------------------------

    public static JoinGroupRequest JoinRequest(string group, string memberId = "", string? instanceId = null, int sessionMs = 10_000, int rebalanceMs = 30_000, string protocolType = "consumer", params (string Name, byte[] Metadata)[] protocols)
    {
        if (protocols.Length == 0)
        {
            protocols = [("range", ConsumerProtocolBytes.Subscription("orders"))];
        }
        return new JoinGroupRequest
        {
            GroupId = group,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            SessionTimeoutMs = sessionMs,
            RebalanceTimeoutMs = rebalanceMs,
            ProtocolType = protocolType,
            Protocols = protocols.Select(p => new JoinGroupRequest.Protocol { Name = p.Name, Metadata = p.Metadata }).ToList(),
        };
    }

    public Task<JoinGroupResponse> Join(JoinGroupRequest request, short version = 5, string clientId = "client") =>
        Coordinator.JoinGroupAsync(request, version, clientId, "/127.0.0.1");

    /// <summary>A v4+ first join: gets MEMBER_ID_REQUIRED and rejoins with the id; returns the held task.</summary>
    public async Task<(string MemberId, Task<JoinGroupResponse> Join)> JoinNewAsync(string group, int sessionMs = 10_000, int rebalanceMs = 30_000, params (string Name, byte[] Metadata)[] protocols)
    {
        var first = await Join(JoinRequest(group, sessionMs: sessionMs, rebalanceMs: rebalanceMs, protocols: protocols));
        Assert.Equal(ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.False(string.IsNullOrEmpty(first.MemberId));
        return (first.MemberId, Join(JoinRequest(group, first.MemberId, sessionMs: sessionMs, rebalanceMs: rebalanceMs, protocols: protocols)));
    }

    public Task<SyncGroupResponse> Sync(string group, string memberId, int generation, params (string MemberId, byte[] Assignment)[] assignments) =>
        Coordinator.SyncGroupAsync(new SyncGroupRequest
        {
            GroupId = group,
            MemberId = memberId,
            GenerationId = generation,
            Assignments = assignments.Select(a => new SyncGroupRequest.Assignment { MemberId = a.MemberId, Data = a.Assignment }).ToList(),
        });

    public ErrorCode Heartbeat(string group, string memberId, int generation, string? instanceId = null) =>
        Coordinator.Heartbeat(new HeartbeatRequest { GroupId = group, MemberId = memberId, GenerationId = generation, GroupInstanceId = instanceId }).ErrorCode;

    public async Task<Dictionary<(string, int), ErrorCode>> CommitAsync(string group, string memberId, int generation, short version = 7, long retentionMs = -1, params (string Topic, int Partition, long Offset, string? Metadata)[] offsets)
    {
        var request = new OffsetCommitRequest { GroupId = group, MemberId = memberId, GenerationId = generation, RetentionTimeMs = retentionMs };
        foreach (var byTopic in offsets.GroupBy(o => o.Topic))
        {
            request.Topics.Add(new OffsetCommitRequest.Topic
            {
                Name = byTopic.Key,
                Partitions = byTopic.Select(o => new OffsetCommitRequest.Partition { PartitionIndex = o.Partition, CommittedOffset = o.Offset, CommittedMetadata = o.Metadata }).ToList(),
            });
        }
        var response = await Coordinator.CommitOffsetsAsync(request, version);
        return response.Topics.SelectMany(t => t.Partitions.Select(p => ((t.Name, p.PartitionIndex), p.ErrorCode))).ToDictionary(x => x.Item1, x => x.ErrorCode);
    }

    public Dictionary<(string, int), (long Offset, string? Metadata)> Fetch(string group, params (string Topic, int Partition)[] partitions)
    {
        var request = new OffsetFetchRequest
        {
            GroupId = group,
            Topics = partitions.Length == 0 ? null : partitions.GroupBy(p => p.Topic).Select(g => new OffsetFetchRequest.Topic { Name = g.Key, PartitionIndexes = g.Select(p => p.Partition).ToList() }).ToList(),
        };
        var response = Coordinator.FetchOffsets(request, 5);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        return response.Topics.SelectMany(t => t.Partitions.Select(p => ((t.Name, p.PartitionIndex), (p.CommittedOffset, p.Metadata)))).ToDictionary(x => x.Item1, x => x.Item2);
    }

    public string State(string group) => Coordinator.DescribeGroups(new DescribeGroupsRequest { Groups = [group] }).Groups[0].GroupState;

    public static async Task<T> Done<T>(Task<T> task) => await task.WaitAsync(Wait);
}
