using System.Net;
using System.Net.Sockets;
using LogBus.Broker.Tests.Server;
using LogBus.Broker.Tests.Storage;

namespace LogBus.Broker.Tests.Cluster;

/// <summary>Several cluster-mode <see cref="LogBusBroker"/>s in this process on loopback (fixed ports so restarts keep their endpoints).</summary>
internal sealed class BrokerCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly int[] _ports;
    private readonly string _quorum;

    public BrokerCluster(int size, int minInSync = 2)
    {
        MinInSync = minInSync;
        _ports = Enumerable.Range(0, size).Select(_ => FreePort()).ToArray();
        _quorum = string.Join(",", Enumerable.Range(1, size).Select(id => $"{id}@127.0.0.1:{FreePort()}"));
    }

    public int MinInSync { get; }

    public Dictionary<int, LogBusBroker> Brokers { get; } = [];

    public int Port(int id) => _ports[id - 1];

    public async Task StartAsync(int id)
    {
        var broker = new LogBusBroker(new LogBusBrokerOptions
        {
            NodeId = id,
            Port = Port(id),
            DataDirectory = _directory.Sub($"broker-{id}"),
            ControllerQuorum = _quorum,
            DefaultReplicationFactor = 3,
            MinInSyncReplicas = MinInSync,
            BrokerHeartbeatInterval = TimeSpan.FromMilliseconds(100),
            BrokerSessionTimeout = TimeSpan.FromMilliseconds(1500),
            ReplicaLagTimeMax = TimeSpan.FromSeconds(3),
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });
        await broker.StartAsync();
        Brokers[id] = broker;
    }

    public async Task StopAsync(int id)
    {
        await Brokers[id].DisposeAsync();
        Brokers.Remove(id);
    }

    public LogBus.Broker.Cluster.ClusterMetadataImage Image(int id) => Brokers[id].Services!.Replicas!.Quorum.Image;

    public Task<RawKafkaClient> ConnectAsync(int id) => RawKafkaClient.ConnectAsync(Port(id));

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, re-checking on metadata changes of any running broker (and at least every 100 ms).</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            using var step = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            try
            {
                await Task.WhenAny(Brokers.Values.Select(b => b.Services!.Replicas!.Quorum.WhenChangedAsync(step.Token)));
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in Brokers.Values)
        {
            await broker.DisposeAsync();
        }

        Brokers.Clear();
        _directory.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
