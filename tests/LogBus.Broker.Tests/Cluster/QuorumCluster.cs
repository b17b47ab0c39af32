using System.Net;
using System.Net.Sockets;
using LogBus.Broker.Cluster;
using LogBus.Broker.Cluster.Raft;
using LogBus.Broker.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>Several <see cref="MetadataQuorum"/> members in-process over real TCP on loopback, each with its own directory.</summary>
internal sealed class QuorumCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    public QuorumCluster(int size, int snapshotEvery = 1000)
    {
        SnapshotEvery = snapshotEvery;
        Voters = Enumerable.Range(1, size).Select(id => new QuorumVoter(id, "127.0.0.1", FreePort())).ToArray();
    }

    public QuorumVoter[] Voters { get; }

    public int SnapshotEvery { get; }

    public Dictionary<int, MetadataQuorum> Nodes { get; } = [];

    public string Directory(int id) => _directory.Sub($"node-{id}");

    public async Task StartAsync(int id)
    {
        var quorum = new MetadataQuorum(
            new MetadataQuorumOptions
            {
                NodeId = id,
                Voters = Voters,
                Directory = Directory(id),
                Raft = new RaftOptions { ElectionTimeoutMinMs = 300, ElectionTimeoutMaxMs = 600, HeartbeatIntervalMs = 50 },
                BrokerHeartbeatInterval = TimeSpan.FromMilliseconds(100),
                BrokerSessionTimeout = TimeSpan.FromMilliseconds(1500),
                SnapshotEveryEntries = SnapshotEvery,
            },
            NullLoggerFactory.Instance);
        await quorum.StartAsync();
        Nodes[id] = quorum;
    }

    public async Task RegisterAsync(int id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Nodes[id].RegisterBrokerAsync("127.0.0.1", 9000 + id, timeout.Token);
    }

    public async Task StopAsync(int id)
    {
        await Nodes[id].DisposeAsync();
        Nodes.Remove(id);
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, re-checking on every metadata change of any node.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            using var step = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                await Task.WhenAny(Nodes.Values.Select(n => n.WhenChangedAsync(step.Token)));
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public MetadataQuorum Leader() => Nodes.Values.Single(n => n.IsLeader);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values)
        {
            await node.DisposeAsync();
        }

        Nodes.Clear();
        _directory.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
